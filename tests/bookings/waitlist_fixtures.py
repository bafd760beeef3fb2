"""A clinic with one free start a day, so a freed time is the only way to an earlier course.

"Now" is Monday 1 March 2027, 08:00 in Berlin; bookings go 14 days ahead; the clinician works
09:00–10:00 every day, so each day has exactly one 60-minute session, and every one of them is
booked by someone else until a test frees one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings import demo
from bookings.engine.freed import FreedTime
from bookings.models import (
    Appointment,
    AppointmentKind,
    OutgoingEmail,
    Patient,
    Plan,
    PlanStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from tests.factories import ClinicianFactory, PatientFactory, ProtocolFactory

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=BERLIN)
FIRST_BOOKABLE = date(2027, 3, 2)
HORIZON_DAYS = 14


def nine(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=BERLIN)


@dataclass
class OneSlotClinic:
    protocol: object  # one 60-minute session
    two_sessions: object  # two sessions 7–8 days apart
    clinician: object
    booked: dict  # local day -> the plan that occupies it


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def one_slot_clinic(db, settings, frozen) -> OneSlotClinic:
    settings.BOOKING_HORIZON_DAYS = HORIZON_DAYS
    settings.BOOKING_LEAD_TIME_HOURS = 24
    protocol = ProtocolFactory(
        name="Single renewal",
        slug="single-renewal",
        session_count=1,
        min_interval_days=1,
        max_interval_days=1,
    )
    two_sessions = ProtocolFactory(
        name="Two-step renewal",
        slug="two-step",
        session_count=2,
        min_interval_days=7,
        max_interval_days=8,
    )
    clinician = ClinicianFactory(
        display_name="Dr. Anna Weber",
        protocols=[protocol, two_sessions],
        hours=[(day, time(9), time(10)) for day in range(7)],
    )
    demo.seed_screening()
    demo.seed_consent()
    booked = {}
    day = FIRST_BOOKABLE
    while day <= NOW.date() + timedelta(days=HORIZON_DAYS):
        booked[day] = occupy(protocol, clinician, day)
        day += timedelta(days=1)
    return OneSlotClinic(protocol, two_sessions, clinician, booked)


def occupy(protocol, clinician, day: date, patient: Patient | None = None) -> Plan:
    """A confirmed one-visit plan of someone else at 09:00 (setup only)."""
    plan = Plan.objects.create(
        patient=patient or PatientFactory(),
        protocol=protocol,
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
    )
    Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.SESSION,
        sequence=1,
        start=nine(day),
        end=nine(day) + timedelta(minutes=60),
        clinician=clinician,
    )
    return plan


def entry_for(
    protocol,
    earliest: date,
    latest: date,
    *,
    status: str = WaitlistStatus.ACTIVE,
    name: str | None = None,
    plan: Plan | None = None,
    patient: Patient | None = None,
) -> WaitlistEntry:
    """An entry as if joined (and, unless told otherwise, confirmed)."""
    from bookings.engine.waitlist import waitlist_token_hash, waitlist_token_new

    entry = WaitlistEntry.objects.create(
        patient=patient or PatientFactory(**({"full_name": name} if name else {})),
        protocol=protocol,
        plan=plan,
        earliest_date=earliest,
        latest_date=latest,
        status=status,
        verify_token_hash=waitlist_token_hash(waitlist_token_new()),
        leave_token_hash=waitlist_token_hash(waitlist_token_new()),
    )
    return entry


def freed(protocol, key: str = "freed-1", plan_ids=(1,)) -> FreedTime:
    return FreedTime(key=key, protocol_ids=(protocol.pk,), plan_ids=tuple(plan_ids), freed_at=NOW)


def run_waitlist_tasks() -> list:
    """Run the offer-search tasks the database queue holds, as the worker would."""
    from django_tasks_db.models import DBTaskResult

    from bookings.notify.waitlist import waitlist_offer_search

    results = []
    for row in DBTaskResult.objects.filter(task_path__endswith="waitlist_offer_search").order_by(
        "enqueued_at"
    ):
        results.append(waitlist_offer_search.call(*row.args_kwargs["args"]))
        row.delete()
    return results


def link_in(email: OutgoingEmail, kind: str) -> str:
    """The path of the link of this kind ("offer", "confirm", "leave") in an email's text."""
    match = re.search(rf"https?://[^/\s]+(/\S*/waitlist/{kind}/[^/\s]+/)", email.body_text)
    assert match, f"no {kind} link in {email.template}"
    return match.group(1)


def token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]
