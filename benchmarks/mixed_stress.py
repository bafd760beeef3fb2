"""A mixed stress of the booking services: bookings, reschedules and cancels over a small calendar.

Used by `make bench` (PostgreSQL, 16 threads) and, smaller, by
`tests/bookings/test_concurrency.py`. The caller sets up Django and an empty database; the
budget (docs/performance.md) is 0 overlapping appointments, 0 server errors and under 1% "busy,
try again" answers.

Every thread works with its own patients and its own bookings, on the same two days of the same
three clinicians and one laser, so they compete for the same rows all the time. Each thread's
clock runs on by 20 seconds per operation and holds last two minutes, so held plans run out in
the middle of the run and are freed by whichever booking meets them — with the threads' clocks a
little apart, as two servers' would be.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as wall
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from bookings.engine.errors import BookingError, ClinicBusy, SlotTaken
from bookings.engine.planner import ProposedVisit
from bookings.engine.services import appointment_cancel, appointment_reschedule, plan_book
from bookings.models import Appointment, Clinician, Device, Patient, WorkingHours
from treatments.models import Procedure, Product, ProductSource, Protocol, Source

ZONE = timezone.get_default_timezone()
NOW = datetime(2027, 3, 1, 7, 0, tzinfo=ZONE)  # a Monday morning
DAYS = (date(2027, 3, 2), date(2027, 3, 3))
SESSION_MINUTES = 45


@dataclass
class StressResult:
    operations: int
    seconds: float
    outcomes: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    overlaps: int = 0

    @property
    def busy(self) -> int:
        return self.outcomes["busy"]

    @property
    def busy_share(self) -> float:
        return self.busy / self.operations if self.operations else 0.0

    def within_budget(self) -> bool:
        return self.overlaps == 0 and not self.errors and self.busy_share < 0.01

    def summary(self) -> str:
        done = sum(self.outcomes[kind] for kind in ("booked", "moved", "cancelled"))
        return (
            f"{self.operations} ops in {self.seconds:.1f} s: {done} done, "
            f"{self.outcomes['just taken']} taken, {self.outcomes['refused']} refused, "
            f"{self.busy} busy ({self.busy_share:.1%}), {len(self.errors)} errors, "
            f"{self.overlaps} overlaps"
        )


def mixed_stress(*, threads: int = 16, operations: int = 40, seed: int = 2027) -> StressResult:
    """Run `operations` random operations in each of `threads` threads released together."""
    protocols, clinicians = _small_clinic()
    patients = Patient.objects.bulk_create(
        Patient(full_name=f"Stress {i}", email=f"s{i}@example.com", date_of_birth=date(1980, 1, 1))
        for i in range(threads * operations)
    )
    starts = [
        datetime.combine(day, wall(8), tzinfo=ZONE) + timedelta(minutes=15 * step)
        for day in DAYS
        for step in range(4 * 9)
    ]
    result = StressResult(operations=threads * operations, seconds=0.0)
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def record(kind: str, error: str | None = None) -> None:
        with lock:
            result.outcomes[kind] += 1
            if error:
                result.errors.append(error)

    def worker(index: int) -> None:
        rng = random.Random(seed + index)
        mine: list[int] = []  # ids of this thread's appointments that may still be booked
        try:
            barrier.wait()
            for step in range(operations):
                # Each thread's clock: 20 s per operation, up to 3 s apart between threads.
                now = NOW + timedelta(seconds=20 * step + rng.uniform(0, 3))
                choice = rng.random()
                try:
                    if choice < 0.5 or not mine:
                        protocol = rng.choice(protocols)
                        plan = plan_book(
                            patient=patients[index * operations + step],
                            protocol=protocol,
                            visits=[
                                ProposedVisit(
                                    1,
                                    rng.choice(starts),
                                    rng.choice(clinicians).pk,
                                    SESSION_MINUTES,
                                )
                            ],
                            online=False,
                            hold=rng.random() < 0.5,
                            now=now,
                        )
                        mine.extend(plan.appointments.values_list("pk", flat=True))
                        record("booked")
                    elif choice < 0.8:
                        appointment_reschedule(
                            appointment=Appointment.objects.get(pk=rng.choice(mine)),
                            new_start=rng.choice(starts),
                            clinician=rng.choice([None, *clinicians]),
                            online=False,
                            now=now,
                        )
                        record("moved")
                    else:
                        appointment_id = rng.choice(mine)
                        appointment_cancel(
                            appointment=Appointment.objects.get(pk=appointment_id),
                            online=False,
                            now=now,
                        )
                        mine.remove(appointment_id)
                        record("cancelled")
                except SlotTaken:
                    record("just taken")
                except ClinicBusy:
                    record("busy")
                except BookingError:
                    record("refused")  # a hold that ran out, a clash of the patient's own…
        except Exception as error:  # anything else is a server error
            record("error", f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(index,)) for index in range(threads)]
    started = time.perf_counter()
    with override_settings(BOOKING_HOLD_MINUTES=2):
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(timeout=600)
    result.seconds = time.perf_counter() - started
    result.overlaps = count_overlaps()
    return result


def count_overlaps() -> int:
    """Pairs of active appointments that share a clinician or a device and overlap in time."""
    rows = list(
        Appointment.objects.active().values_list("pk", "clinician_id", "device_id", "start", "end")
    )
    lanes: dict[tuple[str, int], list[tuple[datetime, datetime]]] = {}
    for _, clinician_id, device_id, start, end in rows:
        lanes.setdefault(("clinician", clinician_id), []).append((start, end))
        if device_id is not None:
            lanes.setdefault(("device", device_id), []).append((start, end))
    overlaps = 0
    for intervals in lanes.values():
        intervals.sort()
        for (_, first_end), (second_start, _) in pairwise(intervals):
            overlaps += second_start < first_end
    return overlaps


def bench_product() -> Product:
    """The product a ready-made protocol must name to be bookable (the catalogue's rule)."""
    product, _ = Product.objects.get_or_create(
        name="Bench product",
        defaults={
            "maker": "Bench",
            "source": ProductSource.DONOR,
            "regulatory_status": "Benchmark data.",
            "is_demo": True,
        },
    )
    return product


def _small_clinic() -> tuple[list[Protocol], list[Clinician]]:
    protocols = [
        Protocol.objects.create(
            name=f"Stress {procedure}",
            slug=f"stress-{procedure}".replace("_", "-"),
            source=Source.MSC_READY_MADE,
            product=bench_product(),
            procedure=procedure,
            session_count=1,
            min_interval_days=21,
            max_interval_days=35,
            session_minutes=SESSION_MINUTES,
            price=1000,
            summary="s",
            description="d",
            what_to_expect="w",
            aftercare="a",
            published=True,
        )
        for procedure in (Procedure.MICRONEEDLING, Procedure.FRACTIONAL_LASER)
    ]
    Device.objects.create(name="Stress laser", procedure=Procedure.FRACTIONAL_LASER)
    clinicians = []
    for index in range(3):
        user = get_user_model().objects.create(username=f"stress-clinician-{index}")
        clinician = Clinician.objects.create(user=user, display_name=f"Stress clinician {index}")
        clinician.protocols.set(protocols)
        WorkingHours.objects.bulk_create(
            WorkingHours(clinician=clinician, weekday=day, start=wall(8), end=wall(18))
            for day in range(5)
        )
        clinicians.append(clinician)
    return protocols, clinicians
