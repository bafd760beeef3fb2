"""Reception books a consultation for a caller, through the same `booking_place`."""

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from bookings.engine import placing
from bookings.engine.rules import local_date
from bookings.models import (
    AppointmentKind,
    ConsultationRequest,
    ConsultationSettings,
    OutgoingEmail,
    Patient,
    Plan,
    PlanKind,
    PlanStatus,
)
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db

CALLER = {
    "full_name": "Ayşe Demir",
    "email": "ayse@example.com",
    "phone": "030 5550102",
    "date_of_birth": "1990-01-02",
    "preferred_language": "tr",
}


@pytest.fixture
def clinic():
    clinic = seed_small_clinic()
    offer = ConsultationSettings.objects.create(minutes=30, price="40.00")
    offer.clinicians.set(clinic.clinicians)
    return clinic


def test_reception_books_a_consultation_by_phone_and_the_caller_is_emailed(
    receptionist_client, clinic
):
    page_url = reverse("admin:bookings_consultation_phone")
    tomorrow = (local_date(timezone.now()) + timedelta(days=1)).isoformat()
    shown = receptionist_client.post(
        page_url, {**CALLER, "day": tomorrow, "topics": ["risks"], "action": "times"}
    )
    value, label = shown.context["times"][0]
    assert "Dr." in label

    receptionist_client.post(
        page_url,
        {
            **CALLER,
            "day": tomorrow,
            "topics": ["risks"],
            "message": "Wants to know about downtime",
            "protocol": clinic.protocol.pk,
            "time": value,
            "proposal": shown.context["proposal"],
            "action": "book",
        },
    )

    plan = Plan.objects.get(kind=PlanKind.CONSULTATION)
    assert plan.status == PlanStatus.CONFIRMED
    assert plan.patient.email == CALLER["email"]
    assert plan.protocol == clinic.protocol
    (visit,) = plan.appointments.all()
    assert visit.kind == AppointmentKind.CONSULTATION
    assert visit.end - visit.start == timedelta(minutes=30)
    assert ConsultationRequest.objects.get(plan=plan).topics == ["risks"]
    email = OutgoingEmail.objects.get(plan=plan)
    assert email.template == "consultation_confirmed"
    assert email.attachments[0]["filename"].endswith(".ics")
    agenda = receptionist_client.get(
        reverse("admin:bookings_agendaday_changelist"), {"day": tomorrow}
    ).content.decode()
    assert "Ayşe Demir" in agenda


def test_a_consultation_without_a_treatment_shows_in_the_agenda_export_and_reminder(
    receptionist_client, clinic
):
    from bookings.engine.consultation import consultation_openings
    from bookings.engine.patients import PatientDetails
    from bookings.engine.placing import Channel, booking_place, proposal_new_id
    from bookings.notify.reminders import reminder_send

    day = local_date(timezone.now()) + timedelta(days=3)  # booked before the reminder window
    opening = consultation_openings(first_day=day, last_day=day, online=False)[day][0]
    plan = booking_place(
        channel=Channel.PHONE,
        kind=PlanKind.CONSULTATION,
        protocol=None,
        visits=[opening],
        proposal_id=proposal_new_id(),
        answers=[],
        details=PatientDetails(**{**CALLER, "date_of_birth": "1990-01-02"}),
        new_patient_confirmed=True,
    )
    agenda = receptionist_client.get(
        reverse("admin:bookings_agendaday_changelist"), {"day": day.isoformat()}
    ).content.decode()
    assert "Consultation" in agenda
    assert "Ayşe Demir" in agenda
    export = receptionist_client.get(
        reverse("admin:bookings_appointment_export"),
        {"start": day.isoformat(), "end": day.isoformat()},
    ).content.decode()
    assert "Consultation" in export
    visit = plan.appointments.get()
    assert reminder_send(appointment=visit, now=visit.start - timedelta(hours=1))
    reminder = OutgoingEmail.objects.get(plan=plan, template="reminder")
    assert "Danışma" in reminder.subject + reminder.body_text or "Consultation" in (
        reminder.body_text
    )


@pytest.mark.parametrize(
    "start_page",
    [
        "admin:bookings_appointment_calendar",
        "admin:bookings_agendaday_changelist",
        "admin:bookings_appointment_book",
    ],
)
def test_reception_reaches_the_consultation_phone_booking_from_the_calendar_agenda_and_phone_page(
    receptionist_client, clinic, start_page
):
    consultation_page = reverse("admin:bookings_consultation_phone")

    page = receptionist_client.get(reverse(start_page)).content.decode()

    assert f'href="{consultation_page}">Book a consultation by phone</a>' in page
    followed = receptionist_client.get(consultation_page).content.decode()
    assert "Book a consultation by phone" in followed


def test_a_consultation_booked_by_phone_that_fails_midway_is_a_message_not_an_error_page(
    receptionist_client, clinic, monkeypatch
):
    """The same answer as a course booked by phone: nothing written, nobody emailed, the desk
    told to try again, and what it typed still on the page."""
    page_url = reverse("admin:bookings_consultation_phone")
    tomorrow = (local_date(timezone.now()) + timedelta(days=1)).isoformat()
    shown = receptionist_client.post(page_url, {**CALLER, "day": tomorrow, "action": "times"})
    booking = {
        **CALLER,
        "day": tomorrow,
        "message": "Wants to know about downtime",
        "time": shown.context["times"][0][0],
        "proposal": shown.context["proposal"],
        "action": "book",
    }

    def fail(**kwargs):
        raise DatabaseError()

    # After the new caller's patient row is written, inside the booking's one transaction.
    monkeypatch.setattr(placing, "consultation_book_locked", fail)
    response = receptionist_client.post(page_url, booking)

    assert response.status_code == 200
    assert "Nothing was booked" in response.content.decode()
    assert "Wants to know about downtime" in response.content.decode()
    assert not Plan.objects.exists()
    assert not Patient.objects.filter(email=CALLER["email"]).exists()
    assert not OutgoingEmail.objects.exists()

    monkeypatch.undo()
    receptionist_client.post(page_url, booking)  # trying again books once
    assert Plan.objects.get(kind=PlanKind.CONSULTATION).patient.email == CALLER["email"]
