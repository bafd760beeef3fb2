"""Lot recall: which patients and sessions received lot X, on one page and as CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import PlanStatus
from clinical.models import AuditEntry
from tests.clinical.conftest import sign_in
from tests.factories import PatientFactory, TreatmentRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recalled(make_plan, clinician, other_clinician):
    """Lot AB-1 went to three sessions (two patients, two clinicians); other lots elsewhere."""
    past = timezone.now() - timedelta(days=40)
    maria = PatientFactory(full_name="Maria Schneider", phone="+49 30 111")
    ayse = PatientFactory(full_name="Ayşe Demir", email='=HYPERLINK("x")@example.com')
    bob = PatientFactory(full_name="Bob Other")
    maria_plan = make_plan(
        clinician=clinician, patient=maria, status=PlanStatus.CONFIRMED, first_start=past
    )
    ayse_plan = make_plan(
        clinician=other_clinician, patient=ayse, status=PlanStatus.CONFIRMED, first_start=past
    )
    bob_plan = make_plan(
        clinician=clinician, patient=bob, status=PlanStatus.CONFIRMED, first_start=past
    )
    matching = [
        TreatmentRecordFactory(
            appointment=maria_plan.appointments.get(sequence=1),
            recorded_by=clinician,
            lot_number="AB-1",
        ),
        TreatmentRecordFactory(
            appointment=maria_plan.appointments.get(sequence=2),
            recorded_by=clinician,
            lot_number="AB-1",
        ),
        TreatmentRecordFactory(
            appointment=ayse_plan.appointments.get(sequence=1),
            recorded_by=other_clinician,
            lot_number="AB-1",
        ),
    ]
    # Near misses: another lot, a lot that merely contains the number.
    TreatmentRecordFactory(
        appointment=bob_plan.appointments.get(sequence=1), recorded_by=clinician, lot_number="AB-10"
    )
    TreatmentRecordFactory(
        appointment=bob_plan.appointments.get(sequence=2), recorded_by=clinician, lot_number="XAB-1"
    )
    # The page lists them by session time.
    return sorted(matching, key=lambda record: (record.appointment.start, record.pk))


def test_lot_search_returns_exactly_the_matching_sessions(client, manager, recalled):
    sign_in(client, manager)

    response = client.get(reverse("clinical:lot-recall"), {"lot": " ab-1 "})

    assert response.status_code == 200
    assert [record.pk for record in response.context["records"]] == [r.pk for r in recalled]
    page = response.content.decode()
    assert "Lot AB-1: 3 sessions" in page
    assert "Maria Schneider" in page and "Ayşe Demir" in page and "Bob Other" not in page
    assert "Dr. Anna Weber" in page and "Dr. Mehmet Yilmaz" in page
    assert AuditEntry.objects.filter(object_type="treatment_record").count() == 3


def test_the_csv_export_lists_the_same_sessions_with_dates_and_clinicians(
    client, manager, recalled
):
    sign_in(client, manager)

    response = client.get(reverse("clinical:lot-recall"), {"lot": "AB-1", "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="lot-AB-1.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    assert {row["patient"] for row in rows} == {"Maria Schneider", "Ayşe Demir"}
    assert {row["clinician"] for row in rows} == {"Dr. Anna Weber", "Dr. Mehmet Yilmaz"}
    assert {row["lot_number"] for row in rows} == {"AB-1"}
    first = recalled[0].appointment
    assert rows[0]["session_date"] == timezone.localtime(first.start).strftime("%Y-%m-%d %H:%M")
    # A phone number stays a phone number; a formula is defused.
    assert "+49 30 111" in {row["patient_phone"] for row in rows}
    assert all(not row["patient_email"].startswith("=") for row in rows)
    assert AuditEntry.objects.filter(action="export").count() == 3


def test_a_clinician_finds_only_their_own_patients_sessions(client, clinician, recalled):
    sign_in(client, clinician.user)

    response = client.get(reverse("clinical:lot-recall"), {"lot": "AB-1"})

    maria_sessions = [r.pk for r in recalled if r.recorded_by.display_name == "Dr. Anna Weber"]
    assert [record.pk for record in response.context["records"]] == maria_sessions
    assert len(maria_sessions) == 2


def test_an_unknown_lot_says_so(client, manager, recalled):
    sign_in(client, manager)
    response = client.get(reverse("clinical:lot-recall"), {"lot": "NOPE"})
    assert "No session received this lot." in response.content.decode()
    assert AuditEntry.objects.count() == 0


def test_a_lot_with_url_characters_still_exports(client, manager, make_plan, clinician):
    plan = make_plan(
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(days=40),
    )
    TreatmentRecordFactory(
        appointment=plan.appointments.first(), recorded_by=clinician, lot_number="A&B#1"
    )
    sign_in(client, manager)
    page = client.get(reverse("clinical:lot-recall"), {"lot": "a&b#1"})
    csv_url = page.context["csv_url"]
    rows = list(csv.DictReader(io.StringIO(client.get(csv_url).content.decode())))
    assert [row["lot_number"] for row in rows] == ["A&B#1"]
