"""`make bench`: the front desk's calendar week view (docs/performance.md, "Calendar week view").

A clinic of 10 clinicians and 2 devices with 400 visits in one week (Monday to Friday, 8 a day
for each clinician; clinicians 0 and 1 use one device each for all their visits). The page is
asked through Django's test Client as reception sees it: a reception user, signed in and past
the second factor, opening `?view=week`. The import rule keeps the benchmarks out of
`bookings.reception`, so the whole request is measured: URL, middleware, view and template.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as wall

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from benchmarks.mixed_stress import bench_product
from bookings.models import (
    Appointment,
    AppointmentKind,
    Clinician,
    Device,
    Patient,
    Plan,
    PlanStatus,
    WorkingHours,
)
from clinical.roles import roles_apply
from treatments.models import Procedure, Protocol, Source

# docs/performance.md: "Calendar week view". The query count is fixed (the same for an empty
# and a full week: tests/bookings/test_calendar.py); the time is the whole request's median.
WEEK_VIEW_QUERIES = 10
WEEK_VIEW_BUDGET_MS = 1000
CLINICIANS, DEVICES, VISITS_A_DAY = 10, 2, 8


def _clinic(monday: date, zone) -> None:
    protocol = Protocol.objects.create(
        name="Calendar bench",
        slug="calendar-bench",
        source=Source.MSC_READY_MADE,
        product=bench_product(),
        procedure=Procedure.FRACTIONAL_LASER,
        session_count=3,
        min_interval_days=21,
        max_interval_days=35,
        session_minutes=45,
        price=1000,
        published=True,
    )
    devices = [
        Device.objects.create(name=f"Laser {index}", procedure=Procedure.FRACTIONAL_LASER)
        for index in range(DEVICES)
    ]
    clinicians = []
    for index in range(CLINICIANS):
        user = get_user_model().objects.create(username=f"bench-calendar-clinician-{index}")
        clinician = Clinician.objects.create(user=user, display_name=f"Clinician {index}")
        clinician.protocols.add(protocol)
        WorkingHours.objects.bulk_create(
            WorkingHours(clinician=clinician, weekday=day, start=wall(8), end=wall(18))
            for day in range(5)
        )
        clinicians.append(clinician)
    slots = [
        (
            index,
            datetime.combine(monday + timedelta(days=day), wall(8), tzinfo=zone)
            + timedelta(minutes=65 * position),
        )
        for day in range(5)
        for index in range(CLINICIANS)
        for position in range(VISITS_A_DAY)
    ]
    patients = Patient.objects.bulk_create(
        Patient(
            full_name=f"Patient {number}",
            email=f"calendar-bench-{number}@example.com",
            phone=f"+49 170 {number:07d}",
            date_of_birth=date(1980, 1, 1),
        )
        for number in range(len(slots))
    )
    plans = Plan.objects.bulk_create(
        Plan(
            patient=patient,
            protocol=protocol,
            clinician=clinicians[index],
            status=PlanStatus.CONFIRMED,
        )
        for patient, (index, _) in zip(patients, slots, strict=True)
    )
    Appointment.objects.bulk_create(
        Appointment(
            plan=plan,
            kind=AppointmentKind.SESSION,
            sequence=1,
            start=start,
            end=start + timedelta(minutes=45),
            clinician=clinicians[index],
            device=devices[index] if index < DEVICES else None,
        )
        for plan, (index, start) in zip(plans, slots, strict=True)
    )


def _reception_client() -> Client:
    """A reception user, signed in, whose session passed the second factor."""
    if not Group.objects.filter(name="Reception").exists():
        roles_apply(django_apps)  # the groups come from a data migration; flush empties them
    user = get_user_model().objects.create(username="bench-reception", is_staff=True)
    user.groups.add(Group.objects.get(name="Reception"))
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _queries_of(work) -> int:
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        work()
    return count


def calendar_week_view(*, now, emit, timed, reset_database) -> None:
    import time_machine
    from django.db import connection

    reset_database()
    monday = now.date() - timedelta(days=now.weekday())
    _clinic(monday, now.tzinfo)
    base = f"{reverse('admin:bookings_appointment_calendar')}?view=week&day={monday:%Y-%m-%d}"
    visits = Appointment.objects.count()
    # As the page opens (the first clinician's seven days), and everyone's week day by day.
    pages = {
        "one clinician's week": (base, "Patient 0"),
        "everyone": (f"{base}&who=all", "Patient 399"),
    }
    # Signed in at the benchmark's "now": the staff session's idle limit runs on that clock.
    # Static files as in the tests: `make bench` runs without `collectstatic`'s manifest.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with time_machine.travel(now, tick=True), override_settings(STORAGES=storages):
        client = _reception_client()
        for label, (url, expected) in pages.items():

            def week(url=url, expected=expected) -> None:
                response = client.get(url)
                # A redirect (to the sign-in or the second factor) would measure the wrong page.
                assert response.status_code == 200, (response.status_code, response.get("Location"))
                assert f"{expected}<".encode() in response.content, expected

            median, cpu, _ = timed(week, repeat=10)
            # Counted by a wrapper: a request resets `connection.queries`, which `timed` reads.
            queries = _queries_of(week)
            emit(
                f"Calendar week view, {label}: {CLINICIANS} clinicians, {DEVICES} devices, "
                f"{visits} visits ({connection.vendor})",
                f"{queries} queries, median {median:.0f} ms (CPU {cpu:.0f} ms)",
                f"<= {WEEK_VIEW_QUERIES} queries, median < {WEEK_VIEW_BUDGET_MS} ms",
                queries <= WEEK_VIEW_QUERIES and median < WEEK_VIEW_BUDGET_MS,
            )
