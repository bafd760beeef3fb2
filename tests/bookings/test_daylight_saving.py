"""Durations are real time across a daylight-saving change (Europe/Berlin).

Spring 2027: Sunday 28 March, 02:00 CET becomes 03:00 CEST (02:00–02:59 does not exist).
Autumn 2027: Sunday 31 October, 03:00 CEST becomes 02:00 CET (02:00–02:59 happens twice).
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bookings.engine.availability import free_start_times
from bookings.engine.errors import SlotTaken, SlotUnavailable
from bookings.engine.planner import ProposedVisit
from bookings.engine.rules import BookingRules
from bookings.engine.services import appointment_reschedule, plan_book
from bookings.models import Appointment, Plan
from tests.bookings.conftest import BERLIN
from tests.factories import ClinicianFactory, PatientFactory, ProtocolFactory

pytestmark = pytest.mark.django_db

SPRING = date(2027, 3, 28)
AUTUMN = date(2027, 10, 31)
SUNDAY = 6


def local(day: date, hhmm: str, *, second_pass: bool = False) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=BERLIN).replace(fold=int(second_pass))


@pytest.fixture
def night_protocol(db):
    return ProtocolFactory(name="One session", session_count=1, session_minutes=60)


@pytest.fixture
def night_clinician(night_protocol):
    """Works Sundays from midnight, so the changed hour is inside a shift."""
    return ClinicianFactory(protocols=[night_protocol], hours=[(SUNDAY, time(0), time(12))])


def book(protocol, clinician, start, *, now):
    return plan_book(
        patient=PatientFactory(),
        protocol=protocol,
        visits=[ProposedVisit(1, start, clinician.pk, protocol.session_minutes)],
        online=False,
        hold=False,
        now=now,
    )


@pytest.mark.parametrize("second_pass", [False, True], ids=["first 02:15", "second 02:15"])
def test_an_hour_long_session_in_the_repeated_autumn_hour_lasts_an_hour(
    night_protocol, night_clinician, second_pass
):
    start = local(AUTUMN, "02:15", second_pass=second_pass)

    plan = book(night_protocol, night_clinician, start, now=local(AUTUMN, "00:00"))

    stored = plan.appointments.get()
    # Compared in UTC: Python never finds a repeated-hour time equal across zones (PEP 495).
    assert stored.start == start.astimezone(UTC)
    assert stored.end - stored.start == timedelta(minutes=60)
    assert stored.end.astimezone(UTC) - stored.start.astimezone(UTC) == timedelta(minutes=60)


def test_both_passes_of_the_repeated_hour_are_offered_and_accepted(
    night_protocol, night_clinician, settings
):
    settings.BOOKING_BUFFER_MINUTES = 0
    offered = free_start_times(
        protocol=night_protocol, day=AUTUMN, online=False, now=local(AUTUMN, "00:00")
    )

    starts = [opening.start for opening in offered]
    first, second = local(AUTUMN, "02:15"), local(AUTUMN, "02:15", second_pass=True)
    first, second = first.astimezone(UTC), second.astimezone(UTC)
    assert second - first == timedelta(hours=1)
    assert first in starts and second in starts
    assert starts == sorted(starts)
    # Both are distinct instants an hour apart; each can be booked by a different patient.
    book(night_protocol, night_clinician, first, now=local(AUTUMN, "00:00"))
    book(night_protocol, night_clinician, second, now=local(AUTUMN, "00:00"))
    assert Appointment.objects.count() == 2


def test_a_session_across_the_spring_change_is_its_real_length_and_blocks_it(
    night_clinician, night_protocol
):
    night_protocol.session_minutes = 90
    night_protocol.save()
    start = local(SPRING, "01:30")

    plan = book(night_protocol, night_clinician, start, now=local(SPRING, "00:00"))

    stored = plan.appointments.get()
    assert stored.end.astimezone(UTC) - stored.start.astimezone(UTC) == timedelta(minutes=90)
    assert stored.end.astimezone(BERLIN).strftime("%H:%M") == "04:00"
    # 03:30 CEST is 60 real minutes after 01:30 CET: inside the 90-minute session.
    with pytest.raises(SlotTaken):
        book(night_protocol, night_clinician, local(SPRING, "03:30"), now=local(SPRING, "00:00"))
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("hhmm", ["02:00", "02:30", "02:45"])
def test_a_time_in_the_skipped_spring_hour_is_not_available(night_protocol, night_clinician, hhmm):
    with pytest.raises(SlotUnavailable):
        book(night_protocol, night_clinician, local(SPRING, hhmm), now=local(SPRING, "00:00"))

    assert not Plan.objects.exists()
    assert not Appointment.objects.exists()


def test_a_visit_cannot_be_moved_into_the_skipped_spring_hour(night_protocol, night_clinician):
    plan = book(night_protocol, night_clinician, local(SPRING, "05:00"), now=local(SPRING, "00:00"))
    visit = plan.appointments.get()

    with pytest.raises(SlotUnavailable):
        appointment_reschedule(
            appointment=visit,
            new_start=local(SPRING, "02:30"),
            online=False,
            now=local(SPRING, "00:00"),
        )

    assert Appointment.objects.get(pk=visit.pk).start == local(SPRING, "05:00")


def test_the_lead_time_is_real_hours_across_the_spring_change(settings):
    settings.BOOKING_LEAD_TIME_HOURS = 24
    now = local(date(2027, 3, 27), "10:00")

    earliest = BookingRules.from_settings().earliest_start(now, online=True)

    assert earliest - now == timedelta(hours=24)
    assert earliest.astimezone(BERLIN).strftime("%a %H:%M") == "Sun 11:00"


def test_the_hold_is_real_minutes_across_the_autumn_change(night_protocol, night_clinician):
    now = local(AUTUMN, "02:50")  # first pass; 20 minutes later is 02:10 on the second pass

    plan = plan_book(
        patient=PatientFactory(),
        protocol=night_protocol,
        visits=[ProposedVisit(1, local(AUTUMN, "06:00"), night_clinician.pk, 60)],
        online=False,
        now=now,
    )

    plan.refresh_from_db()
    assert plan.hold_expires_at - now == timedelta(minutes=20)
