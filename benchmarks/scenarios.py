"""The benchmark scenarios, run inside one Django process per database (see __main__.py).

Prints one JSON line per measurement.
"""

import json
import os
import random
import statistics
import sys
import threading
import time
import tracemalloc
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as wall

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.mixed_stress import bench_product, mixed_stress
from bookings.engine.availability import free_start_times
from bookings.engine.errors import BookingError, SlotTaken
from bookings.engine.planner import ProposedVisit, course_propose
from bookings.engine.services import plan_book
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
from treatments.models import Procedure, Protocol, Source

ZONE = timezone.get_default_timezone()
# A fixed Monday morning, so that every run measures the same calendar.
NOW = datetime(2027, 3, 1, 7, 0, tzinfo=ZONE)
BUSY_DAY = date(2027, 3, 3)


def emit(name: str, numbers: str, budget: str, ok: bool | None) -> None:
    result = "INFO" if ok is None else ("PASS" if ok else "FAIL")
    print(json.dumps({"name": name, "numbers": numbers, "budget": budget, "result": result}))
    sys.stdout.flush()


def reset_database() -> None:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def make_protocol(*, laser: bool, slug: str) -> Protocol:
    return Protocol.objects.create(
        name=slug,
        slug=slug,
        source=Source.MSC_READY_MADE,
        product=bench_product(),
        procedure=Procedure.FRACTIONAL_LASER if laser else Procedure.MICRONEEDLING,
        session_count=3,
        min_interval_days=21,
        max_interval_days=35,
        session_minutes=45,
        price=1000,
        summary="s",
        description="d",
        what_to_expect="w",
        aftercare="a",
        published=True,
    )


def make_clinicians(count: int, protocols: list[Protocol]) -> list[Clinician]:
    from django.contrib.auth import get_user_model

    clinicians = []
    for index in range(count):
        user = get_user_model().objects.create(username=f"bench-clinician-{index}")
        clinician = Clinician.objects.create(user=user, display_name=f"Clinician {index}")
        clinician.protocols.set(protocols)
        WorkingHours.objects.bulk_create(
            WorkingHours(clinician=clinician, weekday=day, start=wall(8), end=wall(18))
            for day in range(5)
        )
        clinicians.append(clinician)
    return clinicians


def fill(clinicians, protocol, device, slots: list[tuple[int, datetime, int]]) -> None:
    """Bulk-insert confirmed appointments: (clinician index, start, minutes)."""
    patient = Patient.objects.create(
        full_name="Bench", email="bench@example.com", date_of_birth=date(1980, 1, 1)
    )
    plans = Plan.objects.bulk_create(
        Plan(
            patient=patient, protocol=protocol, clinician=clinicians[c], status=PlanStatus.CONFIRMED
        )
        for c, _, _ in slots
    )
    Appointment.objects.bulk_create(
        Appointment(
            plan=plan,
            kind=AppointmentKind.SESSION,
            sequence=1,
            start=start,
            end=start + timedelta(minutes=minutes),
            clinician=clinicians[c],
            device=device if device and index % 4 == 0 else None,
        )
        for index, (plan, (c, start, minutes)) in enumerate(zip(plans, slots, strict=True))
    )


def timed(work, repeat: int) -> tuple[float, float, int]:
    """Median milliseconds of `work` over `repeat` runs (wall clock, and this process's CPU
    time), and the queries of one run.

    The budget is wall-clock time; the CPU time is printed beside it because on a machine shared
    with other work the wall clock can be several times the CPU time.
    """
    work()  # warm caches (imports, first connection)
    with CaptureQueriesContext(connection) as queries:
        work()
    durations, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        durations.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(durations), statistics.median(cpu), len(queries)


# --- SQLite: reads --------------------------------------------------------------------------


def day_listing() -> None:
    reset_database()
    protocol = make_protocol(laser=True, slug="laser")
    device = Device.objects.create(name="Laser", procedure=Procedure.FRACTIONAL_LASER)
    clinicians = make_clinicians(4, [protocol])
    filled = 0
    query_counts = set()
    for target in (0, 9, 18, 36):
        slots = []
        for index in range(filled, target):
            # 9 appointments a clinician a day at most: 08:00, 09:05, 10:10 …
            clinician, position = index % 4, index // 4
            start = datetime.combine(BUSY_DAY, wall(8), tzinfo=ZONE) + timedelta(
                minutes=65 * position
            )
            slots.append((clinician, start, 45))
        fill(clinicians, protocol, device, slots)
        filled = target
        median, cpu, queries = timed(
            lambda: free_start_times(protocol=protocol, day=BUSY_DAY, now=NOW), repeat=200
        )
        query_counts.add(queries)
        emit(
            f"Day listing, {target} appointments (SQLite)",
            f"{queries} queries, median {median:.2f} ms (CPU {cpu:.2f} ms)",
            "<= 6 queries, median < 5 ms",
            queries <= 6 and median < 5,
        )
    emit(
        "Day listing: same queries for 0–36 appointments",
        f"query counts seen: {sorted(query_counts)}",
        "one fixed count",
        len(query_counts) == 1,
    )


def course_proposal() -> None:
    reset_database()
    protocol = make_protocol(laser=False, slug="microneedling")
    clinicians = make_clinicians(10, [protocol])
    rng = random.Random(2027)
    slots = []
    day = NOW.date()
    while len(slots) < 5000:
        day += timedelta(days=1)
        if day.weekday() >= 5:
            continue
        for clinician in range(10):
            start = datetime.combine(day, wall(8), tzinfo=ZONE)
            for _ in range(8):
                start += timedelta(minutes=rng.choice([0, 15, 30]))
                minutes = rng.choice([30, 45, 60])
                if start + timedelta(minutes=minutes) > datetime.combine(
                    day, wall(18), tzinfo=ZONE
                ):
                    break
                slots.append((clinician, start, minutes))
                start += timedelta(minutes=minutes + 10)
    slots = slots[:5000]
    fill(clinicians, protocol, None, slots)

    median, cpu, queries = timed(lambda: course_propose(protocol=protocol, now=NOW), repeat=30)
    emit(
        "3-session course, 90 days, 10 clinicians, 5,000 appts (SQLite)",
        f"{queries} queries, median {median:.1f} ms (CPU {cpu:.1f} ms)",
        "<= 10 queries, median < 50 ms",
        queries <= 10 and median < 50,
    )
    tracemalloc.start()
    course_propose(protocol=protocol, now=NOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    emit(
        "Course proposal: peak Python memory",
        f"{peak / 1024 / 1024:.1f} MiB",
        "(reported)",
        None,
    )


# --- PostgreSQL: the planner's cost follows the search, not the horizon -----------------------


def dense_slots(count: int) -> list[tuple[int, datetime, int]]:
    """`count` appointments of 10 clinicians, 10 a weekday each from 08:00, day after day."""
    rng = random.Random(2027)
    slots: list[tuple[int, datetime, int]] = []
    day = NOW.date()
    while len(slots) < count:
        day += timedelta(days=1)
        if day.weekday() >= 5:
            continue
        for clinician in range(10):
            start = datetime.combine(day, wall(8), tzinfo=ZONE)
            for _ in range(10):
                start += timedelta(minutes=rng.choice([0, 15]))
                minutes = rng.choice([30, 45])
                slots.append((clinician, start, minutes))
                start += timedelta(minutes=minutes + 10)
    return slots[:count]


def course_proposal_postgres() -> None:
    """A 3-session course with 10 clinicians over a two-year horizon (730 days), with 5,000 and
    then 50,000 appointments in it: the extra 45,000 lie beyond the weeks the search reaches."""
    from django.test import override_settings

    reset_database()
    protocol = make_protocol(laser=False, slug="microneedling")
    clinicians = make_clinicians(10, [protocol])
    slots = dense_slots(50_000)
    medians = {}
    with override_settings(BOOKING_HORIZON_DAYS=730):
        for count, new in ((5_000, slots[:5_000]), (50_000, slots[5_000:])):
            for batch in range(0, len(new), 5_000):
                fill(clinicians, protocol, None, new[batch : batch + 5_000])
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            median, cpu, queries = timed(
                lambda: course_propose(protocol=protocol, now=NOW), repeat=30
            )
            medians[count] = median
            emit(
                f"3-session course, 730-day horizon, 10 clinicians, {count:,} appts (PostgreSQL)",
                f"{queries} queries, median {median:.1f} ms (CPU {cpu:.1f} ms)",
                "median < 30 ms",
                median < 30,
            )
    ratio = medians[50_000] / medians[5_000]
    emit(
        "Course proposal: time at 50,000 / time at 5,000 (PostgreSQL)",
        f"{ratio:.2f}x",
        "<= 1.5x",
        ratio <= 1.5,
    )


# --- PostgreSQL: writes under concurrency ------------------------------------------------------


def run_at_once(count: int, work) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes = ["missing"] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            work(index)
            outcomes[index] = "booked"
        except SlotTaken:
            outcomes[index] = "just taken"
        except BookingError as refusal:
            outcomes[index] = type(refusal).__name__
        except Exception as error:  # every other exception counts as a server error
            outcomes[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def single_session_protocol() -> Protocol:
    protocol = make_protocol(laser=False, slug="single")
    protocol.session_count = 1
    protocol.save()
    return protocol


def patients(count: int) -> list[Patient]:
    return Patient.objects.bulk_create(
        Patient(full_name=f"P{i}", email=f"p{i}@example.com", date_of_birth=date(1980, 1, 1))
        for i in range(count)
    )


def fifty_at_one_slot() -> None:
    reset_database()
    protocol = single_session_protocol()
    clinician = make_clinicians(1, [protocol])[0]
    people = patients(50)
    visit = [ProposedVisit(1, datetime.combine(BUSY_DAY, wall(10), tzinfo=ZONE), clinician.pk, 45)]
    outcomes = run_at_once(
        50, lambda i: plan_book(patient=people[i], protocol=protocol, visits=visit, now=NOW)
    )
    counts = Counter(
        outcome if outcome in ("booked", "just taken") else "error" for outcome in outcomes
    )
    rows = Appointment.objects.active().filter(clinician=clinician).count()
    emit(
        "50 simultaneous attempts at one slot (PostgreSQL)",
        f"{counts['booked']} booked, {counts['just taken']} just taken, "
        f"{counts['error']} errors, {rows} row",
        "1 booked, 49 just taken, 0 errors",
        counts == {"booked": 1, "just taken": 49} and rows == 1,
    )
    for outcome in outcomes:
        if outcome.startswith("error"):
            print(outcome, file=sys.stderr)


def throughput() -> None:
    reset_database()
    protocol = single_session_protocol()
    clinicians = make_clinicians(8, [protocol])
    people = patients(8)
    per_client = 40
    # Client i books its own clinician's day, slot after slot: nothing conflicts.
    days = [BUSY_DAY + timedelta(days=offset) for offset in (0, 1, 2, 5, 6, 7, 8, 9)]  # weekdays
    starts = [
        datetime.combine(day, wall(8), tzinfo=ZONE) + timedelta(minutes=60 * slot)
        for day in days
        for slot in range(10)
    ][:per_client]

    def client(index: int) -> None:
        for start in starts:
            plan_book(
                patient=people[index],
                protocol=protocol,
                visits=[ProposedVisit(1, start, clinicians[index].pk, 45)],
                now=NOW,
            )

    started = time.perf_counter()
    outcomes = run_at_once(8, client)
    elapsed = time.perf_counter() - started
    booked = Appointment.objects.active().count()
    emit(
        "Non-conflicting bookings, 8 concurrent clients (PostgreSQL)",
        f"{booked / elapsed:.0f} bookings/s ({booked} in {elapsed:.2f} s)",
        f"all {8 * per_client} booked, 0 errors",
        booked == 8 * per_client and set(outcomes) == {"booked"},
    )


def mixed() -> None:
    reset_database()
    result = mixed_stress(threads=16, operations=40)
    emit(
        "Mixed stress, 16 threads: book, move, cancel (PostgreSQL)",
        result.summary(),
        "0 overlaps, 0 errors, < 1% busy",
        result.within_budget(),
    )
    for error in result.errors:
        print(error, file=sys.stderr)


# --- Reports: a year of a busy clinic ------------------------------------------------------

REPORT_YEAR = 2026
REPORT_BUDGET_MS = 1000  # per report, on a year of data (docs/performance.md, "Reports")


def a_year_of_visits(visits: int = 40_000) -> None:
    """10 clinicians working Mon–Fri 08:00–20:00 and 40,000 visits in one calendar year, with
    every outcome, reviews, cancellations and the booking funnel's daily counters."""
    from bookings.models import AppointmentStatus, FunnelDay, FunnelStep, TimeOff

    reset_database()
    skin = make_protocol(laser=False, slug="skin")
    laser = make_protocol(laser=True, slug="laser")
    device = Device.objects.create(name="Laser", procedure=Procedure.FRACTIONAL_LASER)
    clinicians = make_clinicians(10, [skin, laser])
    WorkingHours.objects.update(start=wall(8), end=wall(20))
    rng = random.Random(21)
    TimeOff.objects.bulk_create(
        TimeOff(
            clinician=clinicians[n % 10],
            start=datetime(REPORT_YEAR, 1 + n % 12, 10, 8, tzinfo=ZONE),
            end=datetime(REPORT_YEAR, 1 + n % 12, 14, 20, tzinfo=ZONE),
        )
        for n in range(20)
    )
    patient = Patient.objects.create(
        full_name="Bench", email="bench@example.com", date_of_birth=date(1980, 1, 1)
    )
    slots = []
    day = date(REPORT_YEAR, 1, 1)
    while len(slots) < visits and day.year == REPORT_YEAR:
        if day.weekday() < 5:
            for clinician in range(10):
                for slot in sorted(rng.sample(range(18), 16)):  # 30-minute visits, 40 apart
                    start = datetime.combine(day, wall(8), tzinfo=ZONE) + timedelta(
                        minutes=40 * slot
                    )
                    slots.append((clinician, start))
        day += timedelta(days=1)
    slots = slots[:visits]
    outcomes = [AppointmentStatus.COMPLETED] * 14 + [
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.BOOKED,
    ]
    plans = []
    for index, (clinician, start) in enumerate(slots):
        review = index % 10 == 0
        plans.append(
            Plan(
                patient=patient,
                protocol=laser if index % 4 == 0 else skin,
                clinician=clinicians[clinician],
                status=PlanStatus.AWAITING_REVIEW if index % 97 == 0 else PlanStatus.CONFIRMED,
                confirmed_at=None if index % 97 == 0 else start - timedelta(days=14),
                review_requested_at=start - timedelta(days=20) if review else None,
                reviewed_at=start - timedelta(days=20, hours=-rng.randint(1, 72))
                if review and index % 97
                else None,
                reviewed_by=clinicians[clinician] if review and index % 97 else None,
            )
        )
    plans = Plan.objects.bulk_create(plans, batch_size=2000)
    Appointment.objects.bulk_create(
        (
            Appointment(
                plan=plan,
                kind=AppointmentKind.SESSION,
                sequence=1 + index % 3,
                start=start,
                end=start + timedelta(minutes=30),
                clinician=clinicians[clinician],
                device=device if index % 4 == 0 and clinician == 0 else None,
                status=(status := rng.choice(outcomes)),
                cancelled_at=start - timedelta(hours=rng.choice([2, 30, 200]))
                if status == AppointmentStatus.CANCELLED
                else None,
            )
            for index, (plan, (clinician, start)) in enumerate(zip(plans, slots, strict=True))
        ),
        batch_size=2000,
    )
    FunnelDay.objects.bulk_create(
        (
            FunnelDay(
                date=date(REPORT_YEAR, 1, 1) + timedelta(days=offset),
                protocol=protocol,
                language=language,
                step=step,
                count=rng.randint(1, 40),
            )
            for offset in range(365)
            for protocol in (skin, laser)
            for language in ("en", "de", "tr")
            for step in FunnelStep.values
        ),
        batch_size=2000,
    )


def reports_on_a_year() -> None:
    from reports.selectors import (
        ReportScope,
        attendance_report,
        funnel_report,
        revenue_report,
        turnaround_report,
        utilisation_report,
    )

    a_year_of_visits()
    count = Appointment.objects.count()
    now = datetime(REPORT_YEAR + 1, 1, 15, 12, tzinfo=ZONE)
    year = ReportScope(first=date(REPORT_YEAR, 1, 1), last=date(REPORT_YEAR, 12, 31))
    month = ReportScope(first=date(REPORT_YEAR, 11, 1), last=date(REPORT_YEAR, 11, 30))
    reports = {
        "utilisation": lambda scope: utilisation_report(scope=scope, now=now),
        "no-shows and cancellations": lambda scope: attendance_report(scope=scope, now=now),
        "revenue": lambda scope: revenue_report(scope=scope),
        "review turnaround": lambda scope: turnaround_report(scope=scope),
        "booking funnel": lambda scope: funnel_report(scope=scope),
    }
    for name, report in reports.items():
        queries_seen = set()
        for label, scope in (("a month", month), ("the year", year)):
            median, cpu, queries = timed(lambda report=report, scope=scope: report(scope), repeat=3)
            queries_seen.add(queries)
            # The budget is PostgreSQL's (production); SQLite's per-row time-zone functions
            # run in Python, so its figures are reported only.
            postgres = connection.vendor == "postgresql"
            emit(
                f"Report: {name}, {label} of {count:,} visits ({connection.vendor})",
                f"{queries} queries, median {median:.0f} ms (CPU {cpu:.0f} ms)",
                f"median < {REPORT_BUDGET_MS} ms" if postgres else "(reported)",
                median < REPORT_BUDGET_MS if postgres else None,
            )
        emit(
            f"Report: {name}: same queries for a month and a year ({connection.vendor})",
            f"query counts seen: {sorted(queries_seen)}",
            "one fixed count",
            len(queries_seen) == 1,
        )


def waitlist_offer_search() -> None:
    from benchmarks.waitlist import offer_search_with_many_entries

    offer_search_with_many_entries(now=NOW, emit=emit, timed=timed, reset_database=reset_database)


def reception_calendar_week() -> None:
    from benchmarks.reception_calendar import calendar_week_view

    calendar_week_view(now=NOW, emit=emit, timed=timed, reset_database=reset_database)


SCENARIOS = {
    "sqlite": [
        day_listing,
        course_proposal,
        reports_on_a_year,
        waitlist_offer_search,
        reception_calendar_week,
    ],
    "postgres": [
        course_proposal_postgres,
        fifty_at_one_slot,
        throughput,
        mixed,
        reports_on_a_year,
        waitlist_offer_search,
    ],
}


def ensure_postgres_database() -> None:
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{settings["NAME"]}"')


if __name__ == "__main__":
    backend = sys.argv[1]
    if backend == "postgres":
        ensure_postgres_database()
    for scenario in SCENARIOS[backend]:
        scenario()
