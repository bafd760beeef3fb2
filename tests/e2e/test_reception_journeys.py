"""Journeys 5 and 6 of PRODUCT.md, end to end.

5. Reception signs in, sees today's agenda, books a phone caller into a free slot, is refused an
   overlapping one with the message on the page, checks in the 9:00 patient and marks the 10:00
   a no-show — in a real browser against the live server.
6. The day before each session the patient gets exactly one reminder, even when the reminder job
   runs twice at once (PostgreSQL: two real concurrent transactions; no browser needed).
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bookings.engine.rules import clinic_zone, local_date
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    OutgoingEmail,
    Patient,
    Plan,
    PlanStatus,
    SentReminder,
)
from bookings.notify.emails import emails_send_due
from tests.bookings.reception_fixtures import staff_in
from tests.clinic_data import seed_small_clinic
from tests.e2e.conftest import screenshot
from tests.factories import ConsentTextFactory, PatientFactory
from tests.second_factor import authenticator_code

PASSWORD = "correct horse battery staple"


def _visit(clinician, protocol, start: datetime, name: str) -> Appointment:
    """A confirmed one-visit booking straight into the calendar (setup, not the journey)."""
    plan = Plan.objects.create(
        patient=PatientFactory(full_name=name),
        protocol=protocol,
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        consent_text=ConsentTextFactory(),  # consented online: the visit may take place
        consented_at=timezone.now(),
    )
    return Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.SESSION,
        sequence=1,
        start=start,
        end=start + timedelta(minutes=protocol.session_minutes),
        clinician=clinician,
    )


def _at_today(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(
        local_date(timezone.now()), datetime.min.time(), tzinfo=clinic_zone()
    ).replace(hour=hours, minute=minutes)


def test_journey_5_reception_runs_the_morning_in_the_admin(page, live_server, small_clinic):
    desk = staff_in("Reception", "front-desk")  # signs in below with the factory password
    weber = small_clinic.clinicians[0]
    protocol = small_clinic.protocol
    nine = _visit(weber, protocol, _at_today("09:00"), "Nina Neun")
    # Theo's visit started long enough ago to be a no-show (start + the grace period), today.
    started = timezone.now().replace(second=0, microsecond=0) - timedelta(
        minutes=settings.RECEPTION_NO_SHOW_GRACE_MINUTES + 5
    )
    ten = _visit(weber, protocol, max(started, _at_today("00:00")), "Theo Zehn")
    earliest = (local_date(timezone.now()) + timedelta(days=2)).isoformat()

    # Reception signs in and opens the agenda from the admin index.
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("front-desk")
    code = authenticator_code(desk)  # her app, set up before
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Then the second factor: reception sees who is booked for what, which is health data.
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="Agenda of the day").click()
    agenda = page.locator(".agenda-column", has_text=weber.display_name)
    expect(agenda.get_by_text("Nina Neun")).to_be_visible()
    expect(agenda.get_by_text("09:00–10:00")).to_be_visible()
    expect(agenda.get_by_text("Theo Zehn")).to_be_visible()
    screenshot(page, "reception-agenda")

    # A caller books a course on the phone.
    page.get_by_role("link", name="Book by phone").first.click()
    page.get_by_label("Full name").fill("Clara Anruf")
    page.locator("#id_email").fill("clara@example.com")
    page.get_by_label("Date of birth").fill("1988-02-03")
    page.get_by_label("Treatment").select_option(label=str(protocol))
    page.get_by_label("Clinician").select_option(label=str(weber))
    page.get_by_label("Earliest date").fill(earliest)
    page.get_by_role("button", name="Show the course").click()
    expect(page.get_by_role("row", name=re.compile("Session 3 of 3"))).to_be_visible()
    screenshot(page, "reception-phone-booking")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.get_by_role("button", name="Book the course").click()
    expect(page.get_by_text("Booked Acne scar renewal for Clara Anruf")).to_be_visible()
    clara = Patient.objects.get(email="clara@example.com")
    plan = Plan.objects.get(patient=clara)
    assert plan.status == PlanStatus.CONFIRMED
    assert plan.appointments.count() == 3

    # A second caller: the time shown is taken on another line before reception presses "Book".
    page.goto(reverse("admin:bookings_appointment_book"))
    page.get_by_label("Full name").fill("Dora Doppelt")
    page.locator("#id_email").fill("dora@example.com")
    page.get_by_label("Date of birth").fill("1979-11-30")
    page.get_by_label("Treatment").select_option(label=str(protocol))
    page.get_by_label("Clinician").select_option(label=str(weber))
    page.get_by_label("Earliest date").fill(earliest)
    page.get_by_role("button", name="Show the course").click()
    chosen = page.locator("#visit-1").input_value()
    taken = datetime.fromtimestamp(int(chosen.split("|")[1]), tz=UTC)
    _visit(weber, protocol, taken, "Someone Else")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.get_by_role("button", name="Book the course").click()
    expect(
        page.get_by_text("That time was just taken. Please choose another time.")
    ).to_be_visible()
    assert not Patient.objects.filter(email="dora@example.com").exists()
    assert Appointment.objects.filter(clinician=weber, start=taken).count() == 1

    # The 9:00 patient arrives: checked in from the agenda.
    page.get_by_role("link", name="Agenda of the day").click()
    page.get_by_role("link", name=re.compile("09:00.*Nina Neun")).click()
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("Checked in.")).to_be_visible()
    nine.refresh_from_db()
    assert nine.status == AppointmentStatus.CHECKED_IN

    # The 10:00 patient does not come: a no-show from today's list.
    page.goto(reverse("admin:bookings_appointment_changelist") + "?day=today")
    page.locator("tr", has_text="Theo Zehn").locator("input.action-select").check()
    page.locator("select[name=action]").select_option("mark_no_show")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Marked 1 visit as no-show.")).to_be_visible()
    ten.refresh_from_db()
    assert ten.status == AppointmentStatus.NO_SHOW


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two truly concurrent reminder runs need PostgreSQL (SQLite has one writer; CI runs it)",
)
def test_journey_6_two_reminder_runs_at_once_send_one_email_per_appointment(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clinic = seed_small_clinic()
    # Four visits between 18 and 23 hours from now, on both clinicians: all due for a reminder.
    soon = timezone.now().replace(microsecond=0) + timedelta(hours=18)
    visits = [
        _visit(
            clinic.clinicians[index % 2],
            clinic.protocol,
            soon + timedelta(minutes=90 * index),
            f"Patient {index}",
        )
        for index in range(4)
    ]
    # Booked days ago: a visit booked inside its reminder window gets no reminder (issue 17).
    Appointment.objects.filter(pk__in=[v.pk for v in visits]).update(
        updated_at=timezone.now() - timedelta(days=2)
    )
    barrier = threading.Barrier(2)
    outputs = [StringIO(), StringIO()]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            call_command("send_reminders", stdout=outputs[index])
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    emails_send_due()

    assert errors == []
    claimed = sum(int(re.search(r"Queued (\d+)", out.getvalue()).group(1)) for out in outputs)
    assert claimed == len(visits)
    for visit in visits:
        assert SentReminder.objects.filter(appointment=visit).count() == 1
        assert OutgoingEmail.objects.filter(plan=visit.plan, template="reminder").count() == 1
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(visit.plan.patient.email for visit in visits)
