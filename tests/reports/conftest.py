"""A small clinic week with every number worked out by hand (docs/reports.md repeats them).

The period is Monday 1 – Sunday 7 March 2027 in Berlin; "now" is Wednesday 10 March.

Open time
- Anna works Mon–Fri 09:00–13:00 (240 min a day); time off Wed 09:00–11:00 (−120); the clinic is
  closed all Friday (−240): 840 open minutes.
- Mehmet works Mon and Tue 14:00–18:00: 480 open minutes. The clinic: 1,320 (22 h).

Visits (all 60 minutes)
  #  who     when         treatment  plan            visit
  1  Anna    Mon 09:00    Skin s1    confirmed       completed
  2  Anna    Mon 10:30    Skin s1    confirmed       no-show
  3  Anna    Tue 09:00    Laser s1   confirmed       completed
  4  Anna    Tue 11:00    Skin s1    confirmed       cancelled Mon 12:00 (23 h ahead: late)
  5  Anna    Thu 12:00    Skin s1    confirmed       cancelled 20 Feb (early)
  6  Anna    Thu 09:00    Skin s1    confirmed       still "booked" (not recorded)
  7  Mehmet  Mon 14:00    Skin s2    confirmed       completed
  8  Mehmet  Tue 15:00    Skin s1    awaiting review booked
  9  Mehmet  Tue 16:00    Skin s1    hold ran out    cancelled (never a booking)

Booked minutes: Anna 1,2,3,6 = 240; Mehmet 7,8 = 120; clinic 360 of 1,320 = 27.27 %.

Skin renewal costs 900 for 3 sessions (300 each); Acne laser 1,000 for 3 (333.33, 333.33, 333.34).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Clinician,
    FunnelDay,
    Plan,
    PlanStatus,
    TimeOff,
    WorkingHours,
)
from clinical.roles import CLINIC_MANAGER, CLINICIAN, RECEPTION
from tests.clinical.conftest import sign_in, staff_roles_ensure, staff_user
from tests.factories import ClinicianFactory, PatientFactory, ProtocolFactory
from treatments.models import Protocol

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2027, 3, 1)
SUNDAY = date(2027, 3, 7)
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN)


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=BERLIN)


def weekday(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


@dataclass
class Week:
    skin: Protocol
    laser: Protocol
    anna: Clinician
    mehmet: Clinician
    plans: dict[int, Plan]


@pytest.fixture(autouse=True)
def _roles(db) -> None:
    staff_roles_ensure()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _plan(
    protocol: Protocol, clinician: Clinician, status: str, *, confirmed: bool = True, **extra
) -> Plan:
    return Plan.objects.create(
        patient=PatientFactory(),
        protocol=protocol,
        clinician=clinician,
        status=status,
        hold_expires_at=at(weekday(1), "15:00") if status == PlanStatus.HELD else None,
        confirmed_at=at(date(2027, 2, 15), "10:00") if confirmed else None,
        **extra,
    )


def _visit(
    plan: Plan,
    clinician: Clinician,
    start: datetime,
    status: str,
    sequence: int = 1,
    cancelled_at: datetime | None = None,
) -> Appointment:
    return Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.SESSION,
        sequence=sequence,
        start=start,
        end=start + timedelta(minutes=60),
        clinician=clinician,
        status=status,
        cancelled_at=cancelled_at,
    )


def build_week() -> Week:
    skin = ProtocolFactory(name="Skin renewal", session_count=3, price=Decimal("900.00"))
    laser = ProtocolFactory(name="Acne laser", session_count=3, price=Decimal("1000.00"))
    anna = ClinicianFactory(
        display_name="Dr. Anna Weber", user=staff_user("anna", CLINICIAN), protocols=[skin, laser]
    )
    mehmet = ClinicianFactory(
        display_name="Dr. Mehmet Yilmaz", user=staff_user("mehmet", CLINICIAN), protocols=[skin]
    )
    WorkingHours.objects.bulk_create(
        [WorkingHours(clinician=anna, weekday=day, start=time(9), end=time(13)) for day in range(5)]
        + [
            WorkingHours(clinician=mehmet, weekday=day, start=time(14), end=time(18))
            for day in range(2)
        ]
    )
    TimeOff.objects.create(
        clinician=anna, start=at(weekday(2), "09:00"), end=at(weekday(2), "11:00")
    )
    TimeOff.objects.create(
        clinician=None, start=at(weekday(4), "00:00"), end=at(weekday(5), "00:00")
    )

    S = AppointmentStatus
    plans = {}
    plans[1] = _plan(skin, anna, PlanStatus.CONFIRMED)
    _visit(plans[1], anna, at(weekday(0), "09:00"), S.COMPLETED)
    plans[2] = _plan(skin, anna, PlanStatus.CONFIRMED)
    _visit(plans[2], anna, at(weekday(0), "10:30"), S.NO_SHOW)
    plans[3] = _plan(laser, anna, PlanStatus.CONFIRMED)
    _visit(plans[3], anna, at(weekday(1), "09:00"), S.COMPLETED)
    plans[4] = _plan(skin, anna, PlanStatus.CANCELLED)
    _visit(
        plans[4], anna, at(weekday(1), "11:00"), S.CANCELLED, cancelled_at=at(weekday(0), "12:00")
    )
    plans[5] = _plan(skin, anna, PlanStatus.CANCELLED)
    _visit(
        plans[5],
        anna,
        at(weekday(3), "12:00"),
        S.CANCELLED,
        cancelled_at=at(date(2027, 2, 20), "10:00"),
    )
    plans[6] = _plan(skin, anna, PlanStatus.CONFIRMED)
    _visit(plans[6], anna, at(weekday(3), "09:00"), S.BOOKED)
    plans[7] = _plan(skin, mehmet, PlanStatus.CONFIRMED)
    _visit(plans[7], mehmet, at(weekday(0), "14:00"), S.COMPLETED, sequence=2)
    plans[8] = _plan(skin, mehmet, PlanStatus.AWAITING_REVIEW, confirmed=False)
    _visit(plans[8], mehmet, at(weekday(1), "15:00"), S.BOOKED)
    plans[9] = _plan(skin, mehmet, PlanStatus.CANCELLED, confirmed=False)
    _visit(
        plans[9], mehmet, at(weekday(1), "16:00"), S.CANCELLED, cancelled_at=at(weekday(1), "15:59")
    )

    # Review turnaround: decisions in the period took 2 h, 4 h, 10 h and 24 h (declined).
    def reviewed(plan: Plan, reviewer: Clinician, asked: datetime, hours: int) -> None:
        plan.review_requested_at = asked
        plan.reviewed_at = asked + timedelta(hours=hours)
        plan.reviewed_by = reviewer
        plan.save()

    reviewed(plans[1], anna, at(weekday(0), "07:00"), 2)
    reviewed(plans[2], anna, at(weekday(0), "06:00"), 4)
    reviewed(plans[3], mehmet, at(weekday(0), "08:00"), 10)
    plans[10] = _plan(skin, anna, PlanStatus.DECLINED, confirmed=False)
    reviewed(plans[10], anna, at(weekday(1), "09:00"), 24)
    plans[11] = _plan(skin, anna, PlanStatus.CONFIRMED)  # decided before the period
    reviewed(plans[11], anna, at(date(2027, 2, 20), "09:00"), 100)
    plans[8].review_requested_at = at(weekday(1), "12:00")
    plans[8].save()

    # The funnel's daily counters (one day outside the period).
    rows = [
        (
            weekday(0),
            skin,
            "de",
            {
                "started": 10,
                "blocked": 2,
                "times_shown": 7,
                "details": 5,
                "held": 4,
                "confirmed": 2,
                "review": 1,
            },
        ),
        (weekday(1), skin, "en", {"started": 3, "times_shown": 3, "details": 1}),
        (date(2027, 3, 15), skin, "de", {"started": 100}),
    ]
    FunnelDay.objects.bulk_create(
        FunnelDay(date=day, protocol=protocol, language=language, step=step, count=n)
        for day, protocol, language, steps in rows
        for step, n in steps.items()
    )
    return Week(skin=skin, laser=laser, anna=anna, mehmet=mehmet, plans=plans)


@pytest.fixture
def week(db) -> Week:
    return build_week()


@pytest.fixture
def manager(db):
    return staff_user("lena", CLINIC_MANAGER)


@pytest.fixture
def receptionist(db):
    return staff_user("rita", RECEPTION)


@pytest.fixture
def signed_in():
    from django.test import Client

    def make(user) -> Client:
        return sign_in(Client(), user)

    return make
