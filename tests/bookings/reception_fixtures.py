"""Personas and helpers for reception's admin tests (imported by tests/bookings/test_admin_*.py
and test_agenda.py). Reception and the clinic manager are real users in the role groups that
the `clinical` data migration creates, signed in as the admin requires.

The admin pages call the services with the real clock, so these tests place visits relative to
today, with clinicians who work every day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bookings.engine.rules import clinic_zone, local_date
from bookings.models import Appointment, AppointmentKind, Plan, PlanStatus
from clinical.roles import roles_apply
from tests.factories import (
    ClinicianFactory,
    ConsentTextFactory,
    PatientFactory,
    ProtocolFactory,
    UserFactory,
)

EVERY_DAY = [(day, time(9), time(17)) for day in range(7)]


def sign_in(client: Client, user) -> Client:
    client.force_login(user)
    if "django_otp" in settings.INSTALLED_APPS:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def staff_in(role: str, username: str):
    """A staff user in a role's group. The groups come from a data migration; a transactional
    test earlier in the run empties every table, so they are put back when missing."""
    if not Group.objects.filter(name=role).exists():
        roles_apply(django_apps)
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def local(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=clinic_zone())


def today() -> date:
    return local_date(timezone.now())


def put(plan: Plan, start: datetime, *, sequence: int = 1, minutes: int = 60, device=None):
    """An appointment straight into the calendar (setup only; bypasses the services)."""
    return Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.PREPARATION if sequence == 0 else AppointmentKind.SESSION,
        sequence=sequence,
        start=start,
        end=start + timedelta(minutes=minutes),
        clinician=plan.clinician,
        device=device,
    )


def confirmed_plan(protocol, clinician, patient=None, *, consent: bool = True) -> Plan:
    """A confirmed course; the patient consented (online) unless `consent=False` (by phone)."""
    return Plan.objects.create(
        patient=patient or PatientFactory(),
        protocol=protocol,
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        consent_text=ConsentTextFactory() if consent else None,
        consented_at=timezone.now() if consent else None,
    )


@pytest.fixture
def reception_user(db):
    return staff_in("Reception", "front-desk")


@pytest.fixture
def reception(client, reception_user) -> Client:
    return sign_in(client, reception_user)


@pytest.fixture
def manager(db):
    return staff_in("Clinic manager", "the-manager")


@pytest.fixture
def course(db):
    """Ready-made MSC with microneedling: 3 sessions of 60 minutes, 21–35 days apart."""
    return ProtocolFactory(
        name="Skin renewal", session_count=3, min_interval_days=21, max_interval_days=35
    )


@pytest.fixture
def weber(course):
    return ClinicianFactory(display_name="Dr. Anna Weber", protocols=[course], hours=EVERY_DAY)


@pytest.fixture
def yilmaz(course):
    return ClinicianFactory(display_name="Dr. Mehmet Yilmaz", protocols=[course], hours=EVERY_DAY)


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks exist only on PostgreSQL (CI runs these there)",
)


@pytest.fixture
def midday():
    """Today at noon in the clinic, the clock running: a visit minutes away is still today's
    (only today's visits can be checked in), whenever the suite runs (it failed at 23:56)."""
    with time_machine.travel(local(today(), "12:00"), tick=True):
        yield


def visit_in(minutes: int, course, clinician, *, status=PlanStatus.CONFIRMED, **patient):
    plan = confirmed_plan(course, clinician, PatientFactory(**patient))
    if status != PlanStatus.CONFIRMED:
        Plan.objects.filter(pk=plan.pk).update(status=status)
    return put(plan, timezone.now() + timedelta(minutes=minutes))


def run_and_record(work, outcome: dict, name: str) -> None:
    """Run `work` in a transaction on this thread's connection; record an exception."""
    try:
        with transaction.atomic():
            work()
    except Exception as error:
        outcome[name] = error
    finally:
        connection.close()
