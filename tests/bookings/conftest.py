"""Booking personas and helpers. "Now" is Monday 1 March 2027, 08:00 in Berlin unless a test
says otherwise; Europe/Berlin switches to summer time on Sunday 28 March 2027."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Appointment, AppointmentKind, Clinician, Device, Plan, PlanStatus
from tests.factories import ClinicianFactory, PatientFactory, ProtocolFactory

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=BERLIN)
MONDAY = date(2027, 3, 1)
WEEKDAYS = range(5)
NINE_TO_FIVE = [(day, time(9), time(17)) for day in WEEKDAYS]
EVERY_DAY_NINE_TO_FIVE = [(day, time(9), time(17)) for day in range(7)]


def at(day: date, hhmm: str) -> datetime:
    """An aware datetime at a wall-clock time in Berlin."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=BERLIN)


def hhmm(moments) -> list[str]:
    return [moment.start.astimezone(BERLIN).strftime("%H:%M") for moment in moments]


def days_after(day: date, days: int) -> date:
    return day + timedelta(days=days)


@pytest.fixture
def protocol(db):
    """Ready-made MSC with microneedling: 3 sessions of 60 minutes, 21–35 days apart."""
    return ProtocolFactory(
        name="Skin renewal", session_count=3, min_interval_days=21, max_interval_days=35
    )


@pytest.fixture
def prp_protocol(db):
    """The patient's own PRP exosomes: a 30-minute blood draw, 14 days of lab, 3 sessions."""
    return ProtocolFactory(
        name="Own PRP",
        autologous_prp=True,
        session_count=3,
        min_interval_days=21,
        max_interval_days=35,
    )


@pytest.fixture
def laser_protocol(db):
    """Fractional laser: every session needs one of the clinic's few lasers."""
    return ProtocolFactory(name="Acne laser", laser=True, session_minutes=60)


@pytest.fixture
def clinician(protocol, prp_protocol, laser_protocol) -> Clinician:
    return ClinicianFactory(
        display_name="Dr. Anna Weber",
        protocols=[protocol, prp_protocol, laser_protocol],
        hours=NINE_TO_FIVE,
    )


@pytest.fixture
def second_clinician(protocol, prp_protocol, laser_protocol) -> Clinician:
    return ClinicianFactory(
        display_name="Dr. Mehmet Yilmaz",
        protocols=[protocol, prp_protocol, laser_protocol],
        hours=NINE_TO_FIVE,
    )


@pytest.fixture
def laser(db) -> Device:
    return Device.objects.create(name="Fractional laser 1", procedure="fractional_laser")


@pytest.fixture
def patient(db):
    return PatientFactory(full_name="Maria Schneider")


@pytest.fixture
def another_patient(db):
    return PatientFactory(full_name="Ayşe Demir")


@pytest.fixture
def occupy(db) -> Callable[..., Appointment]:
    """Put an appointment straight into the calendar (setup only; bypasses the services)."""

    def occupy(
        clinician: Clinician,
        start: datetime,
        minutes: int = 60,
        *,
        device: Device | None = None,
        status: str = PlanStatus.CONFIRMED,
        hold_expires_at: datetime | None = None,
    ) -> Appointment:
        plan = Plan.objects.create(
            patient=PatientFactory(),
            protocol=clinician.protocols.first(),
            clinician=clinician,
            status=status,
            hold_expires_at=hold_expires_at,
        )
        return Appointment.objects.create(
            plan=plan,
            kind=AppointmentKind.SESSION,
            sequence=1,
            start=start,
            end=start + timedelta(minutes=minutes),
            clinician=clinician,
            device=device,
        )

    return occupy
