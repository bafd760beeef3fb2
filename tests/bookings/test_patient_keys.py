"""Finding a patient however the number or the name was typed (issue 17, bugs 4 and 5).

Phones are compared as E.164 numbers (the clinic's country as the default region), names after
NFKC, case folding and collapsing whitespace; the duplicate flag uses the same keys.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from bookings.engine.patients import patient_duplicates, patients_search
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

PATIENTS = reverse("admin:bookings_patient_changelist")


@pytest.mark.parametrize(
    "typed", ["0170 5550101", "01705550101", "+491705550101", "+49 170 5550101"]
)
def test_a_phone_number_is_found_however_it_is_typed(reception, typed):
    maria = PatientFactory(full_name="Maria Schneider", phone="+49 170 5550101")
    PatientFactory(full_name="Other Person", phone="+49 170 5559999")

    found = list(patients_search(typed))
    page = reception.get(PATIENTS, {"q": typed})

    assert found == [maria]
    assert "Maria Schneider" in page.text and "Other Person" not in page.text


def test_a_name_with_a_double_space_is_a_possible_duplicate(reception):
    born = date(1985, 6, 1)
    jane = PatientFactory(full_name="Jane Doe", email="jane@example.com", date_of_birth=born)
    twin = PatientFactory(full_name="Jane  Doe", email="j.doe@example.com", date_of_birth=born)

    page = reception.get(PATIENTS, {"duplicate": "yes"})

    assert patient_duplicates(jane) == [twin]
    assert page.text.count("Jane") >= 2
    assert {patient.pk for patient in page.context["cl"].result_list} == {jane.pk, twin.pk}


def test_the_appointment_list_finds_a_visit_by_the_phone_typed_another_way(
    reception, course, weber
):
    from tests.bookings.reception_fixtures import confirmed_plan, local, put, today

    plan = confirmed_plan(course, weber, PatientFactory(full_name="Maria", phone="+49 170 5550101"))
    put(plan, local(today(), "10:00"))
    put(confirmed_plan(course, weber, PatientFactory(full_name="Other")), local(today(), "12:00"))

    page = reception.get(reverse("admin:bookings_appointment_changelist"), {"q": "01705550101"})

    assert "Maria" in page.text and "Other" not in page.text


@pytest.mark.parametrize("term", ["000000", "0000 000", "+00 000 000", "(0) 000-000"])
def test_a_phone_search_of_only_zeros_finds_no_patient(term):
    PatientFactory(
        full_name="Maria Schneider", phone="+49 170 5550101", date_of_birth=date(1985, 4, 12)
    )
    PatientFactory(
        full_name="Jonas Becker", phone="+49 151 1234567", date_of_birth=date(1990, 1, 1)
    )
    found = set(patients_search(term).values_list("full_name", flat=True))
    assert found == set(), f"{term!r} found {found}"


def test_the_patient_list_searched_for_zeros_lists_no_patient(reception):
    PatientFactory(
        full_name="Maria Schneider", phone="+49 170 5550101", date_of_birth=date(1985, 4, 12)
    )
    PatientFactory(
        full_name="Jonas Becker", phone="+49 151 1234567", date_of_birth=date(1990, 1, 1)
    )
    page = reception.get(PATIENTS, {"q": "000000"}).text
    assert "Maria Schneider" not in page and "Jonas Becker" not in page
