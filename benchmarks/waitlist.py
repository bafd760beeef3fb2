"""`make bench`: the waitlist's offer search with 1,000 waiting entries (docs/performance.md).

A clinician with one start a day, every day booked for the whole horizon, and 10 or 1,000
confirmed entries. One freed event is searched: the query count must be the same for 10 and for
1,000 entries (the entries are read in one query and planned in memory on one calendar), and the
search must stay fast.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from datetime import time as wall

from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.mixed_stress import bench_product
from bookings.engine.freed import FreedTime
from bookings.engine.rules import local_date
from bookings.engine.waitlist import offers_search, waitlist_token_hash
from bookings.models import (
    Appointment,
    AppointmentKind,
    Clinician,
    Patient,
    Plan,
    PlanStatus,
    WaitlistEntry,
    WaitlistStatus,
    WorkingHours,
)
from treatments.models import Procedure, Protocol, Source

SEARCH_BUDGET_MS = 500


def _clinic(now):
    from django.conf import settings

    protocol = Protocol.objects.create(
        name="Waitlist bench",
        slug="waitlist-bench",
        source=Source.MSC_READY_MADE,
        product=bench_product(),
        procedure=Procedure.MICRONEEDLING,
        session_count=1,
        min_interval_days=1,
        max_interval_days=1,
        session_minutes=60,
        price=1000,
        published=True,
    )
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="bench-waitlist-clinician")
    clinician = Clinician.objects.create(user=user, display_name="Dr. Bench")
    clinician.protocols.add(protocol)
    WorkingHours.objects.bulk_create(
        WorkingHours(clinician=clinician, weekday=day, start=wall(9), end=wall(10))
        for day in range(7)
    )
    owner = Patient.objects.create(
        full_name="Busy", email="busy@example.com", date_of_birth="1980-01-01"
    )
    zone = now.tzinfo
    first = local_date(now) + timedelta(days=1)
    days = [first + timedelta(days=i) for i in range(settings.BOOKING_HORIZON_DAYS + 1)]
    plans = Plan.objects.bulk_create(
        Plan(patient=owner, protocol=protocol, clinician=clinician, status=PlanStatus.CONFIRMED)
        for _ in days
    )
    Appointment.objects.bulk_create(
        Appointment(
            plan=plan,
            kind=AppointmentKind.SESSION,
            sequence=1,
            start=start,
            end=start + timedelta(minutes=60),
            clinician=clinician,
        )
        for plan, day in zip(plans, days, strict=True)
        for start in [datetime.combine(day, wall(9), tzinfo=zone)]
    )
    return protocol, days


def _entries(protocol, count: int, days) -> None:
    patients = Patient.objects.bulk_create(
        Patient(full_name=f"Waiting {i}", email=f"w{i}@example.com", date_of_birth="1985-01-01")
        for i in range(count)
    )
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(
            patient=patient,
            protocol=protocol,
            earliest_date=days[i % len(days)],
            latest_date=days[min(i % len(days) + 3, len(days) - 1)],
            status=WaitlistStatus.ACTIVE,
            verify_token_hash=waitlist_token_hash(secrets.token_hex(16)),
            leave_token_hash=waitlist_token_hash(secrets.token_hex(16)),
        )
        for i, patient in enumerate(patients)
    )


def offer_search_with_many_entries(*, now, emit, timed, reset_database) -> None:
    counts = {}
    for count in (10, 1000):
        reset_database()
        protocol, days = _clinic(now)
        _entries(protocol, count, days)
        event = FreedTime(key="bench", protocol_ids=(protocol.pk,), plan_ids=(), freed_at=now)
        # Nothing fits (every day is booked): the whole list is searched, nothing is placed.
        median, cpu, queries = timed(lambda event=event: offers_search(freed=event, now=now), 3)
        counts[count] = queries
        emit(
            f"Waitlist: offer search, {count:,} waiting entries ({connection.vendor})",
            f"{queries} queries, median {median:.0f} ms (CPU {cpu:.0f} ms)",
            f"median < {SEARCH_BUDGET_MS} ms",
            median < SEARCH_BUDGET_MS,
        )
    emit(
        f"Waitlist: same queries for 10 and 1,000 entries ({connection.vendor})",
        f"query counts: {counts[10]} and {counts[1000]}",
        "one fixed count",
        counts[10] == counts[1000],
    )
    # One day frees: the oldest fitting entry gets the offer (search + one placement + offer).
    first_day = Appointment.objects.order_by("start").first()
    Plan.objects.filter(pk=first_day.plan_id).update(status=PlanStatus.CANCELLED)
    Appointment.objects.filter(pk=first_day.pk).update(status="cancelled")
    event = FreedTime(
        key="bench-2", protocol_ids=(first_day.plan.protocol_id,), plan_ids=(), freed_at=now
    )
    with CaptureQueriesContext(connection) as captured:
        offer = offers_search(freed=event, now=now)
    emit(
        f"Waitlist: freed time offered among 1,000 entries ({connection.vendor})",
        f"{len(captured)} queries, offer {'made' if offer else 'NOT made'}",
        "an offer, fixed queries",
        offer is not None,
    )
