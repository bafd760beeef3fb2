"""Reception sets up the clinic in the admin: clinicians, hours, devices, time off."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import (
    Plan,
    TimeOff,
    WorkingHours,
)
from tests.bookings.conftest import MONDAY, at, days_after
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import (
    confirmed_plan,
    local,
    put,
    today,
    visit_in,
)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "admin:bookings_clinician_changelist",
    "admin:bookings_clinician_add",
    "admin:bookings_device_changelist",
    "admin:bookings_timeoff_changelist",
    "admin:bookings_timeoff_add",
]


@pytest.mark.parametrize("name", PAGES)
def test_set_up_pages_load_for_staff(receptionist_client, clinician, name):
    response = receptionist_client.get(reverse(name))

    assert response.status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_set_up_pages_are_closed_to_anonymous_visitors(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_plans_and_appointments_cannot_be_added_around_the_services(receptionist_client):
    response = receptionist_client.get(reverse("admin:index"))
    index = response.text

    # What is absent only counts on the page itself, not on a redirect to the login page.
    assert response.status_code == 200
    assert reverse("admin:bookings_appointment_changelist") in index
    assert reverse("admin:bookings_plan_changelist") in index
    assert reverse("admin:bookings_appointment_add") not in index
    assert reverse("admin:bookings_plan_add") not in index
    assert receptionist_client.get(reverse("admin:bookings_appointment_add")).status_code == 403


def test_a_shift_ending_before_it_starts_is_refused_with_a_message(receptionist_client, clinician):
    url = reverse("admin:bookings_clinician_change", args=[clinician.pk])
    data = {
        "user": clinician.user.pk,
        "display_name": clinician.display_name,
        "qualification_en": clinician.qualification,
        "active": "on",
        "protocols": [p.pk for p in clinician.protocols.all()],
        "working_hours-TOTAL_FORMS": "1",
        "working_hours-INITIAL_FORMS": "0",
        "working_hours-0-weekday": "0",
        "working_hours-0-start": "17:00",
        "working_hours-0-end": "09:00",
    }

    response = receptionist_client.post(url, data)

    assert "A shift must end after it starts." in response.text
    assert not WorkingHours.objects.filter(clinician=clinician, start="17:00").exists()


def test_a_clinic_closure_is_added_without_a_clinician(receptionist_client):
    day = days_after(MONDAY, 10)
    response = receptionist_client.post(
        reverse("admin:bookings_timeoff_add"),
        {
            "clinician": "",
            "start_0": day.isoformat(),
            "start_1": "00:00",
            "end_0": days_after(day, 1).isoformat(),
            "end_1": "00:00",
            "reason": "Public holiday",
        },
    )

    assert response.status_code == 302
    closure = TimeOff.objects.get()
    assert closure.clinician is None
    assert closure.start == at(day, "00:00")


# --- reception cannot probe medical data through the admin's URL filters --------------------

MEDICAL_PROBES = [
    ("admin:bookings_plan_changelist", "review_note__icontains"),
    ("admin:bookings_plan_changelist", "screening_answers__question_text__icontains"),
    ("admin:bookings_appointment_changelist", "plan__review_note__icontains"),
    ("admin:bookings_appointment_changelist", "treatment_record__notes__icontains"),
    ("admin:bookings_patient_changelist", "plans__review_note__icontains"),
]


@pytest.mark.parametrize(("changelist", "lookup"), MEDICAL_PROBES)
def test_reception_cannot_filter_lists_by_medical_text(
    reception, course, weber, changelist, lookup
):
    plan = confirmed_plan(course, weber, PatientFactory(full_name="Maria Schneider"))
    Plan.objects.filter(pk=plan.pk).update(review_note="Anticoagulant dose checked with GP")
    put(plan, local(today() + timedelta(days=3), "10:00"))
    url = reverse(changelist)

    hit = reception.get(url, {lookup: "Anticoagulant"})
    miss = reception.get(url, {lookup: "no such words"})

    # Whatever the answer (refused, or the filter ignored), it must not differ by the note.
    listed = [r.status_code == 200 and "Maria Schneider" in r.text for r in (hit, miss)]
    assert listed[0] == listed[1], (hit.status_code, miss.status_code)


# --- malformed input to reception's admin pages: a message, never a server error -------------


@pytest.mark.parametrize("raw", ["²", "٣", "99999999999999999999999", "-1", "1e3"])
def test_the_phone_booking_page_survives_any_patient_id_in_the_url(reception, raw):
    response = reception.get(reverse("admin:bookings_appointment_book"), {"patient": raw})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "visit",
    [
        "99999999999999999999999|1900000000",
        "1|99999999999999999999",
        "-5|1900000000",
        "1|-99999999999",
        "|",
        "1|2|3",
    ],
)
def test_moving_to_a_malformed_or_impossible_time_is_a_message(reception, course, weber, visit):
    appointment = visit_in(3 * 24 * 60, course, weber)
    before = (appointment.start, appointment.clinician_id)

    response = reception.post(
        reverse("admin:bookings_appointment_reschedule", args=[appointment.pk]),
        {"day": "", "visit": visit},
        follow=True,
    )

    assert response.status_code == 200
    appointment.refresh_from_db()
    assert (appointment.start, appointment.clinician_id) == before


# --- the agenda, export and booking pages at the ends of the calendar ---------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_agenda_and_export_survive_the_first_and_last_day_a_date_can_be(reception, day):
    agenda = reception.get(reverse("admin:bookings_agendaday_changelist"), {"day": day})
    export = reception.get(reverse("admin:bookings_appointment_export"), {"start": day, "end": day})
    assert agenda.status_code == 200
    assert export.status_code == 200


@pytest.mark.parametrize("earliest", ["0001-01-01", "9999-12-31"])
def test_the_phone_booking_page_survives_an_earliest_date_at_the_ends_of_the_calendar(
    reception, course, weber, earliest
):
    patient = PatientFactory()
    response = reception.post(
        reverse("admin:bookings_appointment_book"),
        {
            "step": "show",
            "patient": patient.pk,
            "protocol": course.pk,
            "clinician": "",
            "earliest": earliest,
        },
    )
    assert response.status_code == 200
    assert not Plan.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_phone_booking_page_survives_adjusted_days_at_the_ends_of_the_calendar(
    reception, course, weber, day
):
    patient = PatientFactory()
    today_ = today().isoformat()
    response = reception.post(
        reverse("admin:bookings_appointment_book"),
        {
            "patient": patient.pk,
            "protocol": course.pk,
            "clinician": "",
            "earliest": today_,
            "day-1": day,
            "day-2": day,
            "day-3": day,
        },
    )
    assert response.status_code == 200
    assert not Plan.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_move_page_survives_a_day_at_the_ends_of_the_calendar(reception, course, weber, day):
    appointment = visit_in(3 * 24 * 60, course, weber)
    url = reverse("admin:bookings_appointment_reschedule", args=[appointment.pk])
    assert reception.get(url, {"day": day}).status_code == 200
