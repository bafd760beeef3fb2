"""Visit reminders: one per appointment and start time, in the patient's language, retried when
the mail server fails, fresh after a reschedule, none for cancelled visits."""

import threading
import time as clock
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bookings.engine.services import appointment_cancel, appointment_reschedule
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    OutgoingEmail,
    OutgoingEmailStatus,
    Plan,
    PlanStatus,
    SentReminder,
)
from bookings.notify import reminders as reminders_module
from bookings.notify.emails import email_deliver
from bookings.notify.reminders import reminders_send_due
from tests.bookings.conftest import MONDAY, NOW, at, days_after
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import (
    on_postgresql,
    run_and_record,
    visit_in,
)
from tests.factories import PatientFactory

TUESDAY = days_after(MONDAY, 1)


class BrokenMailServer:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise ConnectionRefusedError("mail server down")


def book(protocol, clinician, patient, start, *, sequence=1, status=PlanStatus.CONFIRMED):
    """A visit put straight into the calendar (setup only)."""
    plan = Plan.objects.create(
        patient=patient, protocol=protocol, clinician=clinician, status=status
    )
    minutes = protocol.preparation_minutes if sequence == 0 else protocol.session_minutes
    return Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.PREPARATION if sequence == 0 else AppointmentKind.SESSION,
        sequence=sequence,
        start=start,
        end=start + timedelta(minutes=minutes),
        clinician=clinician,
    )


@pytest.fixture
def german_patient(db):
    return PatientFactory(full_name="Jana Vogel", email="jana@example.com", preferred_language="de")


@pytest.mark.django_db
def test_a_visit_tomorrow_gets_one_reminder_in_the_patients_language(
    settings, protocol, clinician, german_patient
):
    settings.SITE_URL = "http://clinic.example"
    appointment = book(protocol, clinician, german_patient, at(TUESDAY, "10:00"))

    first = reminders_send_due(now=NOW + timedelta(hours=3))  # Monday 11:00, 23 h before
    second = reminders_send_due(now=NOW + timedelta(hours=4))

    assert (first, second) == (1, 0)
    email = OutgoingEmail.objects.get()
    assert email.template == "reminder"
    assert email.to == "jana@example.com"
    assert "10:00" in email.subject and "Dienstag" in email.subject  # Berlin time, in German
    assert "Dr. Anna Weber" in email.body_text
    assert "http://clinic.example/de/" in email.body_text  # a fresh manage link, German pages
    assert "/manage/" in email.body_html
    reminder = SentReminder.objects.get()
    assert reminder.appointment == appointment
    assert reminder.appointment_start == appointment.start
    assert reminder.email == email


@pytest.mark.django_db
def test_the_reminder_names_the_visit_and_what_to_do_before_it(protocol, clinician, patient):
    book(protocol, clinician, patient, at(TUESDAY, "10:00"))

    reminders_send_due(now=NOW + timedelta(hours=3))

    email = OutgoingEmail.objects.get()
    assert "Session 1 of 3" in email.body_text
    assert "Skin renewal" in email.body_text
    assert "no make-up" in email.body_text
    assert "no make-up" in email.body_html


@pytest.mark.django_db
def test_a_preparation_visits_reminder_carries_its_instructions(prp_protocol, clinician, patient):
    book(prp_protocol, clinician, patient, at(TUESDAY, "09:00"), sequence=0)

    reminders_send_due(now=NOW + timedelta(hours=3))

    email = OutgoingEmail.objects.get()
    assert "Preparation visit (blood draw)" in email.body_text
    assert "ibuprofen or aspirin in the 48 hours before" in email.body_text
    assert "ibuprofen or aspirin in the 48 hours before" in email.body_html
    assert "no make-up" not in email.body_text


@pytest.mark.django_db
def test_a_visit_beyond_the_window_waits_for_a_later_run(protocol, clinician, patient):
    book(protocol, clinician, patient, at(days_after(TUESDAY, 1), "10:00"))  # Wednesday

    assert reminders_send_due(now=NOW + timedelta(hours=3)) == 0
    assert reminders_send_due(now=NOW + timedelta(hours=27)) == 1  # Tuesday 11:00
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.django_db
def test_the_reminder_window_is_configurable(settings, protocol, clinician, patient):
    settings.REMINDER_HOURS_BEFORE = 48
    book(protocol, clinician, patient, at(days_after(TUESDAY, 1), "10:00"))

    assert reminders_send_due(now=NOW + timedelta(hours=3)) == 1


@pytest.mark.django_db
def test_a_cancelled_visit_gets_no_reminder(protocol, clinician, patient):
    appointment = book(protocol, clinician, patient, at(TUESDAY, "10:00"))
    book(protocol, clinician, PatientFactory(), at(TUESDAY, "08:00"))  # another patient
    appointment_cancel(appointment=appointment, online=False, now=NOW)

    reminders_send_due(now=NOW + timedelta(hours=3))

    assert not SentReminder.objects.filter(appointment=appointment).exists()
    assert OutgoingEmail.objects.count() == 1  # only the other visit's


@pytest.mark.django_db
def test_a_course_awaiting_review_gets_no_reminder(protocol, clinician, patient):
    book(protocol, clinician, patient, at(TUESDAY, "10:00"), status=PlanStatus.AWAITING_REVIEW)

    assert reminders_send_due(now=NOW + timedelta(hours=3)) == 0
    assert not OutgoingEmail.objects.exists()


@pytest.mark.django_db
def test_a_rescheduled_visit_gets_a_fresh_reminder_for_its_new_time(protocol, clinician, patient):
    appointment = book(protocol, clinician, patient, at(TUESDAY, "10:00"))
    reminders_send_due(now=NOW + timedelta(hours=3))

    appointment_reschedule(
        appointment=appointment, new_start=at(TUESDAY, "15:00"), online=False, now=NOW
    )
    again = reminders_send_due(now=NOW + timedelta(hours=8))  # Monday 16:00

    assert again == 1
    starts = sorted(
        SentReminder.objects.filter(appointment=appointment).values_list(
            "appointment_start", flat=True
        )
    )
    assert starts == [at(TUESDAY, "10:00"), at(TUESDAY, "15:00")]
    assert "15:00" in OutgoingEmail.objects.order_by("-pk").first().subject


@pytest.mark.django_db
def test_a_failing_mail_server_leaves_the_reminder_pending_and_a_later_run_sends_it(
    settings, protocol, clinician, patient
):
    book(protocol, clinician, patient, at(TUESDAY, "10:00"))
    run_at = NOW + timedelta(hours=3)
    reminders_send_due(now=run_at)
    email = OutgoingEmail.objects.get()
    settings.EMAIL_BACKEND = "tests.bookings.test_reminders.BrokenMailServer"

    assert email_deliver(email_id=email.pk, now=run_at) is False  # the queued delivery fails

    email.refresh_from_db()
    assert email.status == OutgoingEmailStatus.PENDING
    assert email.attempts == 1 and email.last_error == "ConnectionRefusedError"
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reminders_send_due(now=run_at + timedelta(minutes=5))

    email.refresh_from_db()
    assert email.status == OutgoingEmailStatus.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [patient.email]
    assert SentReminder.objects.count() == 1
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.django_db
def test_the_command_queues_due_reminders_once(protocol, clinician, patient):
    soon = timezone.now() + timedelta(hours=2)
    appointment = book(protocol, clinician, patient, soon)
    # Booked two days ago: a visit booked inside its reminder window gets no reminder.
    Appointment.objects.update(updated_at=timezone.now() - timedelta(days=2))
    out, again = StringIO(), StringIO()

    call_command("send_reminders", stdout=out)
    call_command("send_reminders", stdout=again)

    assert "Queued 1 reminder(s)." in out.getvalue()
    assert "Queued 0 reminder(s)." in again.getvalue()
    assert SentReminder.objects.filter(appointment=appointment).count() == 1
    assert OutgoingEmail.objects.filter(template="reminder").count() == 1


# --- two runs at once (PostgreSQL: real concurrent transactions) --------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two truly concurrent transactions need PostgreSQL (SQLite has one writer; CI runs it)",
)
def test_two_reminder_runs_at_once_send_one_email_per_appointment(protocol, clinician):
    appointments = [
        book(protocol, clinician, PatientFactory(), at(TUESDAY, f"{hour}:00"))
        for hour in (10, 12, 14, 16)
    ]
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(index: int) -> None:
        try:
            barrier.wait()
            # Monday 17:00: all four visits on Tuesday are within the 24 hours.
            results[index] = reminders_send_due(now=NOW + timedelta(hours=9))
        except Exception as error:  # reported by the assertion below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == len(appointments)
    for appointment in appointments:
        assert SentReminder.objects.filter(appointment=appointment).count() == 1
        assert OutgoingEmail.objects.filter(plan=appointment.plan, template="reminder").count() == 1
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 4


# --- a reminder run: each reminder on its own, never waiting for ever -------------------------


def test_one_reminder_that_fails_does_not_stop_the_others_and_is_logged_by_id_only(
    course, weber, monkeypatch, caplog
):
    broken = visit_in(3 * 60, course, weber, full_name="Zelda Quuxington")
    fine = visit_in(5 * 60, course, weber)
    # Booked two days ago: a visit booked inside its reminder window gets no reminder.
    Appointment.objects.update(updated_at=timezone.now() - timedelta(days=2))
    context = reminders_module._reminder_context

    def fails_for_one(appointment):
        if appointment.pk == broken.pk:
            raise ValueError("Zelda Quuxington: template broke")
        return context(appointment)

    monkeypatch.setattr(reminders_module, "_reminder_context", fails_for_one)

    with caplog.at_level("ERROR", logger="bookings.notify.reminders"):
        claimed = reminders_module.reminders_send_due()

    assert claimed == 1
    assert list(SentReminder.objects.values_list("appointment_id", flat=True)) == [fine.pk]
    assert OutgoingEmail.objects.filter(plan_id=broken.plan_id).count() == 0  # rolled back
    assert str(broken.pk) in caplog.text
    assert "Zelda" not in caplog.text

    monkeypatch.setattr(reminders_module, "_reminder_context", context)
    assert reminders_module.reminders_send_due() == 1  # the next run sends it


@pytest.mark.postgres
@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_reminder_run_waits_for_a_busy_plan_no_longer_than_the_lock_timeout(
    course, weber, settings
):
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 1
    busy = visit_in(3 * 60, course, weber)
    free = visit_in(5 * 60, course, weber)
    Appointment.objects.update(updated_at=timezone.now() - timedelta(days=2))  # booked ahead
    locked, outcome = threading.Event(), {}

    def a_long_booking_holds_the_plan():
        Plan.objects.select_for_update(no_key=True, of=("self",)).get(pk=busy.plan_id)
        locked.set()
        clock.sleep(4)

    thread = threading.Thread(
        target=lambda: run_and_record(a_long_booking_holds_the_plan, outcome, "booking")
    )
    thread.start()
    locked.wait(10)
    started = clock.monotonic()
    try:
        claimed = reminders_module.reminders_send_due()
    finally:
        elapsed = clock.monotonic() - started
        thread.join(20)

    assert outcome == {}, outcome
    assert elapsed < 3
    assert claimed == 1
    assert list(SentReminder.objects.values_list("appointment_id", flat=True)) == [free.pk]
