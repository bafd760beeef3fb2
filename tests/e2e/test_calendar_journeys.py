"""Reception runs the day from the calendar, in a real browser (issue 17, build item 12).

The clock is set to a Wednesday, 10:20 in the clinic (time-machine, ticking), so who is late,
what has started and what is free are the same on every run.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bookings.engine.rules import clinic_zone
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Patient,
    Plan,
    PlanStatus,
)
from tests.bookings.reception_fixtures import staff_in
from tests.e2e.conftest import axe_check, screenshot
from tests.factories import ConsentTextFactory, PatientFactory
from tests.second_factor import authenticator_code

PASSWORD = "correct horse battery staple"
WEDNESDAY = date(2027, 3, 10)
THURSDAY = WEDNESDAY + timedelta(days=1)
CALENDAR = reverse("admin:bookings_appointment_calendar")


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=clinic_zone())


def visit(clinician, protocol, start: datetime, name: str, phone: str = "") -> Appointment:
    """A confirmed one-visit booking straight into the calendar (setup, not the journey)."""
    plan = Plan.objects.create(
        patient=PatientFactory(full_name=name, phone=phone),
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


@pytest.fixture
def wednesday():
    with time_machine.travel(at(WEDNESDAY, "10:20"), tick=True) as traveller:
        yield traveller


def sign_in(page, user) -> None:
    """Password, then the code from her authenticator app (reception sees health data)."""
    code = authenticator_code(user)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()


@pytest.fixture
def receptionist(wednesday, small_clinic):
    return staff_in("Reception", "front-desk")


@pytest.fixture
def desk(page, receptionist):
    sign_in(page, receptionist)
    return page


def test_reception_sees_the_week_and_the_late_patient_and_axe_finds_nothing(
    desk, small_clinic, new_page, wednesday, receptionist
):
    weber, yilmaz = small_clinic.clinicians
    protocol = small_clinic.protocol
    visit(weber, protocol, at(WEDNESDAY, "10:00"), "Larissa Late", "+49 30 23125 111")
    arrived = visit(yilmaz, protocol, at(WEDNESDAY, "10:00"), "Anton Arrived")
    Appointment.objects.filter(pk=arrived.pk).update(status=AppointmentStatus.CHECKED_IN)
    visit(weber, protocol, at(THURSDAY, "11:00"), "Theo Thursday")

    desk.goto(f"{CALENDAR}?view=week&day={WEDNESDAY:%Y-%m-%d}&who=c-{weber.pk}")

    strip = desk.locator(".cal-strip")
    expect(strip.get_by_text("Larissa Late")).to_be_visible()
    expect(strip.get_by_text("Anton Arrived")).to_be_visible()
    block = desk.locator(".cal-block", has_text="Larissa Late")
    expect(block.get_by_text("Late", exact=True)).to_be_visible()
    expect(block.get_by_text("+49 30 23125 111")).to_be_visible()
    expect(desk.get_by_text("Theo Thursday")).to_be_visible()
    axe_check(desk, "calendar week")
    screenshot(desk, "calendar-week-1280")

    desk.goto(f"{CALENDAR}?day={WEDNESDAY:%Y-%m-%d}")
    axe_check(desk, "calendar day")
    screenshot(desk, "calendar-day-1280")
    desk.emulate_media(color_scheme="dark")  # the admin's dark theme follows the system
    desk.reload()  # drawn dark from the start (no colour transition under way for axe)
    screenshot(desk, "calendar-day-dark-1280")
    axe_check(desk, "calendar day, dark theme")
    desk.emulate_media(color_scheme="light")

    tablet = new_page(width=1024, height=768)
    wednesday.shift(timedelta(seconds=31))  # a fresh code: each one works once
    sign_in(tablet, receptionist)
    tablet.goto(f"{CALENDAR}?day={WEDNESDAY:%Y-%m-%d}")
    expect(tablet.locator(".cal-block", has_text="Larissa Late")).to_be_visible()
    screenshot(tablet, "calendar-day-1024")
    tablet.goto(f"{CALENDAR}?view=week&day={WEDNESDAY:%Y-%m-%d}")
    screenshot(tablet, "calendar-week-1024")


def test_reception_drags_a_visit_to_a_free_time_and_is_refused_a_taken_one(desk, small_clinic):
    weber = small_clinic.clinicians[0]
    protocol = small_clinic.protocol
    daniel = visit(weber, protocol, at(THURSDAY, "10:00"), "Daniel Drag")
    visit(weber, protocol, at(THURSDAY, "13:00"), "Berta Busy")
    desk.set_viewport_size({"width": 1280, "height": 1500})  # the whole day at once
    desk.goto(f"{CALENDAR}?day={THURSDAY:%Y-%m-%d}")
    column = desk.locator(f'[data-column="c-{weber.pk}"]')

    # A drop onto another visit: refused on the page, nothing posted.
    column.locator(".cal-block", has_text="Daniel Drag").drag_to(
        column.locator(".cal-block", has_text="Berta Busy")
    )
    expect(desk.get_by_role("alert")).to_contain_text("That time is taken")
    daniel.refresh_from_db()
    assert daniel.start == at(THURSDAY, "10:00")

    # A drop onto a free time: the move page shows the change and who is emailed, then moves.
    desk.reload()
    free = column.locator(f'.cal-cell[data-start="{int(at(THURSDAY, "15:00").timestamp())}"]')
    column.locator(".cal-block", has_text="Daniel Drag").drag_to(free)
    expect(desk.get_by_text("Please confirm the move")).to_be_visible()
    expect(desk.get_by_text("is emailed the new time")).to_be_visible()
    daniel.refresh_from_db()
    assert daniel.start == at(THURSDAY, "10:00")  # nothing moves before the confirmation
    desk.get_by_role("button", name="Confirm the move").click()
    expect(desk.get_by_text("Moved to")).to_be_visible()
    daniel.refresh_from_db()
    assert daniel.start == at(THURSDAY, "15:00")


def test_the_keyboard_path_moves_a_visit_the_same_way(desk, small_clinic):
    weber = small_clinic.clinicians[0]
    kai = visit(weber, small_clinic.protocol, at(THURSDAY, "10:00"), "Kai Keyboard")
    desk.goto(f"{CALENDAR}?day={THURSDAY:%Y-%m-%d}")

    desk.get_by_role("link", name="10:00–11:00 Kai Keyboard").focus()
    desk.keyboard.press("Enter")
    desk.get_by_role("link", name="Move to another time").focus()
    desk.keyboard.press("Enter")
    chooser = desk.get_by_label("New time")
    expect(chooser).to_have_value(f"{weber.pk}|{int(at(THURSDAY, '10:00').timestamp())}")
    chooser.focus()
    chooser.select_option(label=f"16:00 · {weber.display_name}")
    desk.get_by_role("button", name="Move the visit").focus()
    desk.keyboard.press("Enter")
    desk.get_by_role("button", name="Confirm the move").focus()
    desk.keyboard.press("Enter")

    expect(desk.get_by_text("Moved to")).to_be_visible()
    kai.refresh_from_db()
    assert kai.start == at(THURSDAY, "16:00")


def test_reception_books_a_caller_from_an_empty_slot(desk, small_clinic):
    weber = small_clinic.clinicians[0]
    protocol = small_clinic.protocol
    desk.goto(f"{CALENDAR}?day={THURSDAY:%Y-%m-%d}")

    desk.get_by_role("link", name=f"Book 14:00 with {weber.display_name}").click()
    expect(desk.get_by_label("Clinician")).to_have_value(str(weber.pk))
    desk.get_by_label("Full name").fill("Clara Caller")
    desk.locator("#id_email").fill("clara@example.com")
    desk.get_by_label("Date of birth").fill("1988-02-03")
    desk.get_by_label("Treatment").select_option(label=str(protocol))
    desk.get_by_role("button", name="Show the course").click()
    first = desk.locator("#visit-1")
    expect(first).to_have_value(f"{weber.pk}|{int(at(THURSDAY, '14:00').timestamp())}")
    assert "clara" not in desk.url  # nothing personal in the address
    for radio in desk.locator("input[type=radio][value=no]").all():
        radio.check()
    desk.get_by_role("button", name="Book the course").click()

    expect(desk.get_by_text("Booked Acne scar renewal for Clara Caller")).to_be_visible()
    plan = Plan.objects.get(patient=Patient.objects.get(email="clara@example.com"))
    assert plan.appointments.order_by("sequence").first().start == at(THURSDAY, "14:00")


def test_reception_checks_in_undoes_a_no_show_and_cancels_with_a_reason(desk, small_clinic):
    weber, yilmaz = small_clinic.clinicians
    protocol = small_clinic.protocol
    arriving = visit(weber, protocol, at(WEDNESDAY, "10:30"), "Anna Arriving")
    missing = visit(yilmaz, protocol, at(WEDNESDAY, "09:30"), "Mia Missing")
    leaving = visit(weber, protocol, at(THURSDAY, "09:00"), "Carl Cancel")

    desk.goto(f"{CALENDAR}?day={WEDNESDAY:%Y-%m-%d}")
    desk.get_by_role("link", name="10:30–11:30 Anna Arriving").click()
    desk.get_by_role("button", name="Check in").click()
    expect(desk.get_by_text("Checked in.")).to_be_visible()
    arriving.refresh_from_db()
    assert arriving.status == AppointmentStatus.CHECKED_IN

    desk.get_by_role("link", name="09:30–10:30 Mia Missing").click()
    desk.get_by_role("button", name="No-show").click()
    expect(desk.get_by_text("Marked as a no-show.")).to_be_visible()
    desk.get_by_role("link", name="09:30–10:30 Mia Missing").click()
    desk.get_by_role("button", name="Undo no-show").click()
    expect(desk.get_by_text("No-show undone")).to_be_visible()
    missing.refresh_from_db()
    assert missing.status == AppointmentStatus.BOOKED

    desk.goto(f"{CALENDAR}?day={THURSDAY:%Y-%m-%d}")
    desk.get_by_role("link", name="09:00–10:00 Carl Cancel").click()
    desk.get_by_role("link", name="Cancel…").click()
    expect(desk.get_by_text("is emailed at")).to_be_visible()
    desk.get_by_label("The patient is ill").check()
    desk.get_by_role("button", name="Confirm: cancel the visit").click()
    expect(desk.get_by_text("Cancelled;")).to_be_visible()
    leaving.refresh_from_db()
    assert leaving.status == AppointmentStatus.CANCELLED
    assert "The patient is ill" in (
        LogEntry.objects.filter(object_id=str(leaving.pk)).get().get_change_message()
    )
