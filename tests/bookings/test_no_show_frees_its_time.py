"""A no-show frees its time (issue 17, bug 2: "the slot stays blocked").

The patient did not come, so the rest of that hour is the clinic's again: reception can book it.
Undoing the no-show then needs the time back, and is refused kindly when it was given away.
PostgreSQL's exclusion constraints follow the same rule (the last tests; skipped on SQLite).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from bookings.engine.availability import free_start_times
from bookings.engine.errors import SlotTaken
from bookings.engine.rules import clinic_zone
from bookings.models import Appointment, AppointmentStatus
from bookings.reception.workflows import appointment_mark_no_show, appointment_undo_no_show
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import confirmed_plan, put

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2027, 3, 10)


def at(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(WEDNESDAY, time(hours, minutes), tzinfo=clinic_zone())


@pytest.fixture
def no_show(course, weber):
    """Weber's 09:00–10:00 visit, marked a no-show once the grace period has passed."""
    with time_machine.travel(at("09:00"), tick=False) as traveller:
        visit = put(confirmed_plan(course, weber), at("09:00"))
        traveller.move_to(at("09:00") + timedelta(minutes=settings.RECEPTION_NO_SHOW_GRACE_MINUTES))
        appointment_mark_no_show(appointment=visit)
        yield visit


def free_starts(course, weber) -> list[datetime]:
    openings = free_start_times(protocol=course, day=WEDNESDAY, clinician=weber, online=False)
    return [opening.start for opening in openings]


def test_the_time_of_a_no_show_can_be_booked_by_reception(no_show, course, weber):
    assert at("09:30") in free_starts(course, weber)
    assert not Appointment.objects.blocking(at("09:30")).filter(pk=no_show.pk).exists()


def test_undoing_a_no_show_whose_time_is_still_free_books_it_again(no_show, course, weber):
    appointment_undo_no_show(appointment=no_show)

    no_show.refresh_from_db()
    assert no_show.status == AppointmentStatus.BOOKED
    assert at("09:30") not in free_starts(course, weber)


def test_undoing_a_no_show_whose_time_was_booked_again_is_refused_kindly(no_show, course, weber):
    walk_in = put(confirmed_plan(course, weber), at("09:30"))

    with pytest.raises(SlotTaken, match=r"The time was booked again; move the visit instead\."):
        appointment_undo_no_show(appointment=no_show)

    no_show.refresh_from_db()
    walk_in.refresh_from_db()
    assert no_show.status == AppointmentStatus.NO_SHOW
    assert walk_in.status == AppointmentStatus.BOOKED


def test_a_visit_of_another_clinician_at_that_time_does_not_stop_the_undo(no_show, course, yilmaz):
    put(confirmed_plan(course, yilmaz), at("09:30"))

    appointment_undo_no_show(appointment=no_show)

    no_show.refresh_from_db()
    assert no_show.status == AppointmentStatus.BOOKED


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="exclusion constraints exist only on PostgreSQL (CI runs these)",
)


@pytest.mark.postgres
@on_postgresql
def test_the_database_lets_a_no_shows_time_be_booked_but_not_double_booked(course, weber):
    missed = put(confirmed_plan(course, weber), at("09:00"))
    Appointment.objects.filter(pk=missed.pk).update(status=AppointmentStatus.NO_SHOW)

    walk_in = put(confirmed_plan(course, weber), at("09:30"))

    assert walk_in.pk
    # The constraint still guards the undo, should a caller skip the service's re-check.
    with (
        pytest.raises(IntegrityError, match="appointment_no_clinician_overlap"),
        transaction.atomic(),
    ):
        Appointment.objects.filter(pk=missed.pk).update(status=AppointmentStatus.BOOKED)


def test_the_desk_is_told_to_move_the_visit_when_its_time_was_booked_again(
    no_show, reception, course, weber
):
    put(confirmed_plan(course, weber), at("09:30"))
    act = reverse("admin:bookings_appointment_act", args=[no_show.pk])

    page = reception.post(act, {"action": "undo_no_show"}, follow=True).text

    assert "The time was booked again; move the visit instead." in page
    no_show.refresh_from_db()
    assert no_show.status == AppointmentStatus.NO_SHOW


def test_the_calendar_offers_the_rest_of_a_no_shows_time_and_still_shows_the_block(
    no_show, weber, reception
):
    page = reception.get(
        reverse("admin:bookings_appointment_calendar"), {"day": WEDNESDAY.isoformat()}
    ).text

    start = int(at("09:30").timestamp())
    assert f"clinician={weber.pk}&amp;start={start}" in page  # "Book 09:30 with Dr. Weber"
    assert "state-no_show" in page  # the visit is still there, marked in colour and words
    assert "No-show" in page
