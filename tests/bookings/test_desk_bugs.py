"""The front-desk bugs of issue 17, each as it was seen at the desk.

Each test failed on the code before its fix. Time is frozen at a Wednesday morning in the clinic's
zone (and a Sunday for the clinician's dashboard), so "before the start" and "today" are exact.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from bookings.engine.errors import BookingError
from bookings.engine.rules import clinic_zone
from bookings.models import (
    Appointment,
    AppointmentStatus,
    OutgoingEmail,
    Plan,
    PlanStatus,
    SentReminder,
)
from bookings.notify.reminders import reminders_send_due
from bookings.reception.workflows import appointment_mark_no_show
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import confirmed_plan, put
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2027, 3, 10)
NINE = datetime.combine(WEDNESDAY, time(9, 0), tzinfo=clinic_zone())


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=clinic_zone())


@pytest.fixture
def frozen():
    with time_machine.travel(NINE, tick=False) as traveller:
        yield traveller


# --- 1. Move preselects the current time -----------------------------------------------------


def test_the_move_page_preselects_the_current_time_and_an_unchanged_move_changes_nothing(
    frozen, reception, course, weber
):
    day = WEDNESDAY + timedelta(days=5)
    visit = put(confirmed_plan(course, weber), at(day, "10:00"))
    url = reverse("admin:bookings_appointment_reschedule", args=[visit.pk])

    page = reception.get(url)
    selected = re.findall(r'<option value="([^"]+)" selected>([^<]*)</option>', page.text)
    # What a browser submits when nobody touches the list: the selected option, else the first.
    submitted = selected[0][0] if selected else page.context["options"][0][0]
    reception.post(url, {"day": day.isoformat(), "visit": submitted}, follow=True)

    assert selected and selected[0][1].startswith("10:00")
    visit.refresh_from_db()
    assert visit.start == at(day, "10:00")
    assert not OutgoingEmail.objects.exists()


def test_a_confirmed_move_naming_an_unknown_clinician_is_refused_and_changes_nothing(
    frozen, reception, course, weber
):
    day = WEDNESDAY + timedelta(days=5)
    visit = put(confirmed_plan(course, weber), at(day, "10:00"))
    url = reverse("admin:bookings_appointment_reschedule", args=[visit.pk])
    tampered = f"999999|{int(at(day, '11:00').timestamp())}"

    page = reception.post(url, {"day": day.isoformat(), "visit": tampered, "confirm": "1"})

    visit.refresh_from_db()
    assert (visit.start, visit.clinician_id) == (at(day, "10:00"), weber.pk)
    assert "Please choose a new time." in page.text
    assert not OutgoingEmail.objects.exists()


# --- 2. No-show only after the start plus the grace period, with an undo ------------------------


def test_a_no_show_is_refused_before_the_visit_started_plus_the_grace_period(frozen, course, weber):
    visit = put(confirmed_plan(course, weber), at(WEDNESDAY, "13:45"))
    frozen.move_to(at(WEDNESDAY, "12:39"))

    with pytest.raises(BookingError):
        appointment_mark_no_show(appointment=visit)

    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.BOOKED


def test_a_no_show_can_be_undone_the_same_day(frozen, reception, course, weber):
    from bookings.reception.workflows import appointment_undo_no_show

    visit = put(confirmed_plan(course, weber), at(WEDNESDAY, "09:00"))
    frozen.move_to(
        at(WEDNESDAY, "09:00") + timedelta(minutes=settings.RECEPTION_NO_SHOW_GRACE_MINUTES)
    )
    appointment_mark_no_show(appointment=visit)

    appointment_undo_no_show(appointment=visit)

    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.BOOKED


# --- 3. Awaiting review is not "Booked" -------------------------------------------------------


def test_visits_of_a_course_awaiting_review_are_not_shown_or_counted_as_booked(
    frozen, reception, course, weber
):
    course.price = Decimal("900.00")
    course.save()
    plan = confirmed_plan(course, weber, PatientFactory(full_name="Review Pending"))
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.AWAITING_REVIEW)
    put(plan, at(WEDNESDAY, "11:00"))

    agenda = reception.get(reverse("admin:bookings_agendaday_changelist")).text
    listing = reception.get(reverse("admin:bookings_appointment_changelist")).text
    export = reception.get(
        reverse("admin:bookings_appointment_export"),
        {"start": WEDNESDAY.isoformat(), "end": WEDNESDAY.isoformat()},
    )
    header, row = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))

    assert "Awaiting review" in agenda and ">Booked<" not in agenda
    assert "Awaiting review" in listing
    record = dict(zip(header, row, strict=True))
    assert record["status"] == "Awaiting review"
    assert Decimal(record["booked revenue (EUR)"] or "0") == 0


# --- 6. The phone booking keeps personal data out of the URL -------------------------------------


def test_the_phone_booking_form_posts_and_ignores_personal_data_in_the_url(
    frozen, reception, course, weber
):
    book = reverse("admin:bookings_appointment_book")
    blank = reception.get(book).text
    typed = reception.get(
        book,
        {
            "full_name": "Jonas Berg",
            "email": "jonas@example.com",
            "date_of_birth": "1990-01-01",
            "protocol": course.pk,
            "earliest": WEDNESDAY.isoformat(),
        },
    )

    assert not re.search(r'<form method="get"[^>]*>(?:(?!</form>).)*name="full_name"', blank, re.S)
    assert "Jonas Berg" not in typed.text and "jonas@example.com" not in typed.text
    assert typed.context["rows"] == []


# --- 8. State colours have AA contrast in light and dark themes ----------------------------------


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, two: str) -> float:
    light, dark = sorted([_luminance(one), _luminance(two)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_visit_state_colour_has_aa_contrast_in_the_light_and_the_dark_theme():
    from bookings.reception.desk import STATE_COLOURS

    css = (Path(settings.BASE_DIR) / "static/bookings/calendar.css").read_text()
    for theme in ("light", "dark"):
        for state, (foreground, background) in STATE_COLOURS[theme].items():
            assert _contrast(foreground, background) >= 4.5, (theme, state)
            # The stylesheet uses exactly these pairs.
            assert foreground.lower() in css.lower() and background.lower() in css.lower()
    assert {"checked_in", "completed", "in_treatment", "offered"} <= set(STATE_COLOURS["light"])
    assert set(STATE_COLOURS["light"]) == set(STATE_COLOURS["dark"])


# --- 9. The clinician's dashboard on a Sunday: tests/clinical/test_dashboard_coming_days.py ---


# --- 10. Reminders: not promised for a cancelled visit, not sent right after booking -----------


def test_a_cancelled_visit_does_not_promise_a_reminder(frozen, reception, course, weber):
    visit = put(confirmed_plan(course, weber), at(WEDNESDAY + timedelta(days=3), "10:00"))
    Appointment.objects.filter(pk=visit.pk).update(status=AppointmentStatus.CANCELLED)

    page = reception.get(reverse("admin:bookings_appointment_change", args=[visit.pk])).text

    assert "A reminder goes out" not in page


def test_a_visit_booked_inside_the_reminder_window_gets_no_reminder_minutes_later(
    frozen, course, weber
):
    put(confirmed_plan(course, weber), at(WEDNESDAY, "10:00"))  # booked at 09:00 for 10:00
    frozen.move_to(at(WEDNESDAY, "09:05"))

    reminders_send_due()

    assert not SentReminder.objects.exists()


def test_a_visit_booked_well_ahead_still_gets_its_reminder(frozen, course, weber):
    put(confirmed_plan(course, weber), at(WEDNESDAY + timedelta(days=3), "10:00"))
    frozen.move_to(at(WEDNESDAY + timedelta(days=2), "11:00"))

    reminders_send_due()

    assert SentReminder.objects.count() == 1


# --- 11. A closed day leads to the next open day; check-in only for today -------------------


def test_a_closed_day_offers_the_next_open_day(frozen, reception, course):
    from tests.factories import ClinicianFactory

    ClinicianFactory(display_name="Dr. Weekday", protocols=[course], hours=[(0, time(9), time(17))])
    sunday = date(2027, 3, 14)

    page = reception.get(
        reverse("admin:bookings_agendaday_changelist"), {"day": sunday.isoformat()}
    ).text

    assert "?day=2027-03-15" in page
    assert "Next open day" in page


def test_check_in_is_not_offered_for_tomorrows_visit(frozen, reception, course, weber):
    visit = put(confirmed_plan(course, weber), at(WEDNESDAY + timedelta(days=1), "10:00"))

    page = reception.get(reverse("admin:bookings_appointment_change", args=[visit.pk])).text

    assert 'value="check_in"' not in page
    assert 'value="no_show"' not in page
    assert 'value="cancel"' in page or "Cancel" in page
    assert not LogEntry.objects.exists()
