"""Every booking email says until when each visit can still be moved or cancelled online.

The FAQ promises that the confirmation email gives the cancellation deadline; the deadline is
BOOKING_CANCELLATION_NOTICE_HOURS (24 h here) before each visit, in real time, as the booking
services enforce it. A declined plan has no visits left, so its email names no deadline.
"""

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import formats, timezone

from bookings.engine.rules import BookingRules
from bookings.models import Appointment, AppointmentStatus, OutgoingEmail, Plan
from bookings.notify.reminders import reminder_send
from bookings.online.booking_flow import (
    appointment_cancel_online,
    appointment_move_online,
    manage_link_resend,
)
from clinical.services import plan_approve, plan_decline
from tests.bookings.conftest import at
from tests.bookings.online import book, review_outcome_question
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db

BASE_URL = "https://clinic.example"


@pytest.fixture(autouse=True)
def _notice(settings):
    settings.BOOKING_CANCELLATION_NOTICE_HOURS = 24


@pytest.fixture
def clinic():
    return seed_small_clinic()


def deadline_sentence(start: datetime) -> str:
    deadline = timezone.localtime(start - timedelta(hours=24))
    return (
        "You can move or cancel this visit online until "
        f"{formats.date_format(deadline, 'l')}, {formats.date_format(deadline, 'DATE_FORMAT')}, "
        f"{deadline:%H:%M}."
    )


def email(template: str) -> OutgoingEmail:
    return OutgoingEmail.objects.filter(template=template).latest("pk")


def assert_deadlines_for(message: OutgoingEmail, appointments) -> None:
    appointments = list(appointments)
    assert appointments
    for appointment in appointments:
        expected = deadline_sentence(appointment.start)
        assert expected in message.body_text, f"{message.template}: {expected!r} missing (text)"
        assert expected in message.body_html, f"{message.template}: {expected!r} missing (html)"


def booked_plan(client, clinic, **kwargs) -> Plan:
    book(client, clinic.protocol, **kwargs)
    return Plan.objects.get()


def token_of(message: OutgoingEmail) -> str:
    return re.search(r"/manage/([\w-]+)/", message.body_text).group(1)


def active(plan: Plan):
    return plan.appointments.filter(status=AppointmentStatus.BOOKED).order_by("sequence")


def test_the_confirmation_names_the_deadline_of_every_visit(client, clinic):
    plan = booked_plan(client, clinic)

    assert_deadlines_for(email("booking_confirmed"), active(plan))


def test_the_awaiting_review_email_names_the_deadline_of_every_visit(client, clinic):
    plan = booked_plan(client, clinic, yes_to=review_outcome_question().text_en)

    assert_deadlines_for(email("booking_awaiting_review"), active(plan))


def test_the_moved_visit_email_names_the_new_deadlines(client, clinic):
    plan = booked_plan(client, clinic)
    last = active(plan).last()

    appointment_move_online(
        appointment=last,
        new_start=last.start + timedelta(days=1),
        clinician_id=last.clinician_id,
        token=token_of(email("booking_confirmed")),
        base_url=BASE_URL,
    )

    moved = Appointment.objects.get(pk=last.pk)
    assert moved.start == last.start + timedelta(days=1)
    assert_deadlines_for(email("booking_changed"), active(plan))


def test_the_cancellation_email_names_the_deadlines_of_the_visits_left(client, clinic):
    plan = booked_plan(client, clinic)
    last = active(plan).last()

    appointment_cancel_online(
        appointment=last, token=token_of(email("booking_confirmed")), base_url=BASE_URL
    )

    remaining = active(plan)
    assert remaining.count() == 2
    assert_deadlines_for(email("booking_cancelled"), remaining)


def test_a_new_manage_link_email_names_the_deadline_of_every_visit(client, clinic):
    plan = booked_plan(client, clinic)

    assert manage_link_resend(email=plan.patient.email, base_url=BASE_URL) == 1

    assert_deadlines_for(email("manage_link"), active(plan))


def test_the_approval_email_names_the_deadline_of_every_visit(client, clinic):
    plan = booked_plan(client, clinic, yes_to=review_outcome_question().text_en)

    plan_approve(plan=plan, reviewer=clinic.clinicians[0])

    assert_deadlines_for(email("plan_approved"), active(plan))


def test_a_reminder_sent_before_the_deadline_names_it(client, clinic, settings):
    settings.REMINDER_HOURS_BEFORE = 48
    plan = booked_plan(client, clinic)
    first = active(plan).first()
    # Booked before its reminder window opened (a visit booked inside it gets no reminder).
    type(first).objects.filter(pk=first.pk).update(updated_at=first.start - timedelta(hours=72))

    assert reminder_send(appointment=first, now=first.start - timedelta(hours=47)) is True

    assert_deadlines_for(email("reminder"), [first])


def test_a_reminder_sent_after_the_deadline_says_to_call(client, clinic):
    plan = booked_plan(client, clinic)
    first = active(plan).first()

    with time_machine.travel(first.start - timedelta(hours=23), tick=False):
        assert reminder_send(appointment=first, now=timezone.now()) is True

    message = email("reminder")
    assert "It is too late to move or cancel this visit online; please call us." in (
        message.body_text
    )
    assert "online until" not in message.body_text


def test_the_declined_email_has_no_visits_and_so_no_deadline(client, clinic):
    plan = booked_plan(client, clinic, yes_to=review_outcome_question().text_en)

    plan_decline(plan=plan, reviewer=clinic.clinicians[0], note="Needs a consultation first.")

    message = email("plan_declined")
    assert "online until" not in message.body_text
    assert "online until" not in message.body_html


def test_the_deadline_counts_real_hours_across_the_change_to_summer_time():
    # Berlin moves its clocks forward at 02:00 on Sunday 28 March 2027: 24 real hours before
    # Sunday 10:00 is Saturday 09:00 on the wall clock, not 10:00.
    start = at(date(2027, 3, 28), "10:00")

    deadline = BookingRules.from_settings().change_deadline(start)
    with time_machine.travel(at(date(2027, 3, 20), "12:00"), tick=False):
        line = render_to_string("emails/includes/change_deadline.txt", {"start": start})

    assert timezone.localtime(deadline).strftime("%A %d %H:%M") == "Saturday 27 09:00"
    assert line == (
        "You can move or cancel this visit online until Saturday, March 27, 2027, 09:00."
    )
