"""Clinician-area personas: two clinicians, a clinic manager, a receptionist; plans built
straight in the database (the booking engine's own tests cover how plans are booked).

`sign_in(client, user)` is the one place that logs a test user in: with the second-factor
middleware (django-otp) installed, the session also holds a verified authenticator, as a real
sign-in followed by the second step would leave it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import count

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from bookings.models import Appointment, AppointmentKind, Clinician, Plan, PlanStatus
from clinic.accounts import auth_cache
from clinical.roles import CLINIC_MANAGER, CLINICIAN, RECEPTION, ROLES, roles_apply
from tests.factories import (
    ClinicianFactory,
    ConsentTextFactory,
    PatientFactory,
    ProtocolFactory,
    ScreeningAnswerFactory,
    UserFactory,
)

ANTICOAGULANTS = "Do you take blood thinners (anticoagulants)?"


def sign_in(client: Client, user) -> Client:
    """Sign `user` in on this client, past the second factor when django-otp is installed.

    The session is written the way a sign-in followed by the second step leaves it. It does not
    go through `force_login`, whose sign-in signal makes django-axes store the test request's
    missing address ("unknown"), which PostgreSQL's inet column refuses.
    """
    session = client.session
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = auth_cache.BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if "django_otp" in settings.INSTALLED_APPS:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(
            user=user, defaults={"name": "Authenticator app", "confirmed": True}
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def staff_user(username: str, role: str | None, **extra):
    user = UserFactory(username=username, is_staff=True, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture(autouse=True)
def _staff_roles(db) -> None:
    """The groups come from a data migration; a transactional test earlier in the run (they
    empty every table afterwards) removes them, so put them back when they are missing."""
    staff_roles_ensure()


def staff_roles_ensure() -> None:
    if Group.objects.filter(name__in=list(ROLES)).count() != len(ROLES):
        roles_apply(django_apps)


@pytest.fixture(autouse=True)
def _private_photo_storage(settings, tmp_path) -> None:
    """Photos of a test go to its own folder, never to the project's private/ folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "clinical_photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "photos", "base_url": None},
        },
    }


@pytest.fixture
def protocol(db):
    return ProtocolFactory(name="Skin renewal", session_count=3)


@pytest.fixture
def laser_protocol(db):
    return ProtocolFactory(name="Acne laser", laser=True, session_count=3)


@pytest.fixture
def clinician(db, protocol) -> Clinician:
    return ClinicianFactory(
        display_name="Dr. Anna Weber",
        user=staff_user("anna", CLINICIAN),
        protocols=[protocol],
    )


@pytest.fixture
def other_clinician(db, protocol) -> Clinician:
    return ClinicianFactory(
        display_name="Dr. Mehmet Yilmaz",
        user=staff_user("mehmet", CLINICIAN),
        protocols=[protocol],
    )


@pytest.fixture
def manager(db):
    """The clinic manager: sees every patient; not a clinician."""
    return staff_user("lena", CLINIC_MANAGER)


@pytest.fixture
def receptionist(db):
    """Reception in the admin: the Reception role, no medical data."""
    return staff_user("rita", RECEPTION)


@pytest.fixture
def patient(db):
    return PatientFactory(full_name="Maria Schneider", preferred_language="de")


@pytest.fixture
def make_plan(db, protocol) -> Callable[..., Plan]:
    """A plan with its sessions 30 days apart from `first_start` (default: in 10 days)."""

    slots = count()

    def make(
        *,
        clinician: Clinician,
        patient=None,
        status: str = PlanStatus.AWAITING_REVIEW,
        first_start: datetime | None = None,
        flagged: bool = True,
        plan_protocol=None,
        sessions: int = 3,
    ) -> Plan:
        chosen = plan_protocol or protocol
        # Each further plan starts 70 minutes earlier, so no two appointments of a clinician
        # overlap (PostgreSQL's exclusion constraint).
        offset = timedelta(minutes=70 * next(slots))
        start = (first_start or timezone.now() + timedelta(days=10)) - offset
        plan = Plan.objects.create(
            patient=patient or PatientFactory(),
            protocol=chosen,
            clinician=clinician,
            status=status,
            hold_expires_at=start if status == PlanStatus.HELD else None,
            consent_text=ConsentTextFactory(),
            consented_at=timezone.now(),
            consent_language="en",
        )
        Appointment.objects.bulk_create(
            Appointment(
                plan=plan,
                kind=AppointmentKind.SESSION,
                sequence=number,
                start=start + timedelta(days=30 * (number - 1)),
                end=start + timedelta(days=30 * (number - 1), minutes=60),
                clinician=clinician,
            )
            for number in range(1, sessions + 1)
        )
        ScreeningAnswerFactory(
            plan=plan, question_text="Are you pregnant or breastfeeding?", answer=False, position=0
        )
        ScreeningAnswerFactory(
            plan=plan,
            question_text=ANTICOAGULANTS,
            answer=flagged,
            outcome="review" if flagged else "fine",
            position=1,
        )
        return plan

    return make


@pytest.fixture
def client_for() -> Iterator[Callable[[object], Client]]:
    """A separate signed-in browser session per user."""

    def make(user) -> Client:
        return sign_in(Client(), user)

    yield make
