"""Availability: which start times are free, computed from the calendar, never stored.

`Calendar` loads everything that decides availability for one protocol over a span of days in a
fixed number of queries (at most five, whatever the number of appointments), then answers in
memory: working hours (split shifts too), clinician time off and clinic closures, active
appointments with the buffer after each, a free device for laser protocols, the online lead
time and the booking horizon. Wall-clock times live in the clinic's zone, so a 10:00 start stays
10:00 local across a daylight-saving change; all arithmetic on instants is done in UTC.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import FloatField, Func, Q
from django.utils import timezone

from bookings.errors import BookingError, SlotTaken, SlotUnavailable
from bookings.models import Appointment, Clinician, Device, TimeOff, WorkingHours
from bookings.rules import BookingRules, clinic_zone, local_date
from treatments.models import Protocol

MINUTE = 60


class EpochSeconds(Func):
    """A datetime column as POSIX seconds, computed by the database.

    Availability reads thousands of start/end pairs; letting the database hand over plain
    numbers skips building two aware datetimes per row in Python (the bulk of the load time).
    """

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores SQLite datetimes as UTC text; julianday() reads it as UTC. Rounding
        # to whole seconds removes the floating-point noise of the day fraction.
        return self.as_sql(
            compiler,
            connection,
            template="ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8"
        )


@dataclass(frozen=True)
class VisitSpec:
    """A visit's length, and whether it needs a device (laser sessions do, preparation not)."""

    minutes: int
    needs_device: bool

    @classmethod
    def for_visit(cls, protocol: Protocol, sequence: int) -> VisitSpec:
        if sequence == 0:
            return cls(minutes=protocol.preparation_minutes, needs_device=False)
        return cls(minutes=protocol.session_minutes, needs_device=protocol.needs_device)


class Timed:
    """A visit's `end` and local `day`, from its `start` and `minutes`."""

    start: datetime
    minutes: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    @property
    def day(self) -> date:
        return local_date(self.start)


@dataclass(frozen=True, order=True)
class Opening(Timed):
    """A free start time: `minutes` long, with this clinician (and a free device if needed)."""

    start: datetime
    clinician_id: int
    minutes: int


class _Busy:
    """Disjoint busy intervals of one clinician or device, as sorted POSIX seconds."""

    __slots__ = ("ends", "starts")

    def __init__(self, intervals: Iterable[tuple[float, float]] = ()) -> None:
        self.starts: list[float] = []
        self.ends: list[float] = []
        for start, end in sorted(intervals):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def is_free(self, start: float, end: float) -> bool:
        # The only interval that can overlap [start, end) is the last one starting before `end`.
        index = bisect.bisect_left(self.starts, end) - 1
        return index < 0 or self.ends[index] <= start

    def add(self, start: float, end: float) -> None:
        merged = _Busy([*zip(self.starts, self.ends, strict=True), (start, end)])
        self.starts, self.ends = merged.starts, merged.ends


class Calendar:
    """Availability for one protocol over the local days `first_day` to `last_day`."""

    def __init__(
        self,
        *,
        protocol: Protocol,
        first_day: date,
        last_day: date,
        now: datetime | None = None,
        online: bool = True,
        clinician_ids: Iterable[int] | None = None,
        ignore_appointment_ids: Iterable[int] = (),
        rules: BookingRules | None = None,
    ) -> None:
        self.protocol = protocol
        self.rules = rules or BookingRules.from_settings()
        self.now = now or timezone.now()
        self.zone = clinic_zone()
        self.first_day = first_day
        self.last_day = min(last_day, self.rules.last_day(self.now))
        self.earliest = self.rules.earliest_start(self.now, online=online).timestamp()
        self._granularity = self.rules.granularity_minutes
        self._cache: dict[tuple[int, date, VisitSpec], list[float]] = {}
        self._load(clinician_ids, ignore_appointment_ids)

    # --- loading: a fixed number of queries --------------------------------------------------

    def _load(self, clinician_ids: Iterable[int] | None, ignore_ids: Iterable[int]) -> None:
        span_start = datetime.combine(self.first_day, time.min, tzinfo=self.zone)
        span_end = datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=self.zone)
        buffer = self.rules.buffer.total_seconds()

        clinicians = Clinician.objects.performing(self.protocol)
        if clinician_ids is not None:
            clinicians = clinicians.filter(pk__in=list(clinician_ids))
        self.clinician_ids: list[int] = list(clinicians.order_by("pk").values_list("pk", flat=True))

        self.shifts: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
        for clinician_id, weekday, start, end in (
            WorkingHours.objects.filter(clinician_id__in=self.clinician_ids)
            .order_by("start")
            .values_list("clinician_id", "weekday", "start", "end")
        ):
            self.shifts[clinician_id, weekday].append((start, end))

        self.device_ids: list[int] = []
        if self.protocol.needs_device:
            self.device_ids = list(
                Device.objects.for_procedure(self.protocol.procedure)
                .order_by("pk")
                .values_list("pk", flat=True)
            )

        leave: dict[int | None, list[tuple[float, float]]] = defaultdict(list)
        for clinician_id, start, end in (
            TimeOff.objects.overlapping(span_start, span_end)
            .filter(Q(clinician_id__in=self.clinician_ids) | Q(clinician__isnull=True))
            .values_list("clinician_id", EpochSeconds("start"), EpochSeconds("end"))
        ):
            leave[clinician_id].append((start, end))
        closures = leave.pop(None, [])

        device_busy: dict[int, list[tuple[float, float]]] = defaultdict(list)
        appointments = (
            Appointment.objects.blocking(self.now)
            .overlapping(span_start - self.rules.buffer, span_end + self.rules.buffer)
            .filter(Q(clinician_id__in=self.clinician_ids) | Q(device_id__in=self.device_ids))
            .exclude(pk__in=list(ignore_ids))
            .values_list("clinician_id", "device_id", EpochSeconds("start"), EpochSeconds("end"))
        )
        booked: dict[int, list[tuple[float, float]]] = defaultdict(list)
        for clinician_id, device_id, start, end in appointments:
            # The buffer after an appointment also keeps the next one from ending inside it.
            interval = (start - buffer, end + buffer)
            booked[clinician_id].append(interval)
            if device_id is not None:
                device_busy[device_id].append(interval)

        # Kept apart as well, to tell "not offered" from "taken" when a chosen time is refused.
        self.time_off = {
            clinician_id: _Busy([*leave[clinician_id], *closures])
            for clinician_id in self.clinician_ids
        }
        self.clinician_busy = {
            clinician_id: _Busy([*leave[clinician_id], *closures, *booked[clinician_id]])
            for clinician_id in self.clinician_ids
        }
        self.device_busy = {
            device_id: _Busy(device_busy[device_id]) for device_id in self.device_ids
        }

    # --- questions ---------------------------------------------------------------------------

    def days(self) -> Iterable[date]:
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += timedelta(days=1)

    def _free_starts(self, clinician_id: int, day: date, spec: VisitSpec) -> list[float]:
        key = (clinician_id, day, spec)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        starts: list[float] = []
        if self.first_day <= day <= self.last_day:
            busy = self.clinician_busy[clinician_id]
            length = spec.minutes * MINUTE
            midnight = datetime.combine(day, time.min)
            step = self._granularity
            changes_clock = self._changes_clock(day)
            for shift_start, shift_end in self.shifts.get((clinician_id, day.weekday()), ()):
                shift_close = self._instant(midnight, shift_end)
                first = -(-(shift_start.hour * 60 + shift_start.minute) // step) * step
                for offset in range(first, 24 * 60, step):
                    # Wall-clock arithmetic first, then the zone: 10:00 stays 10:00 after DST.
                    wall_clock = midnight + timedelta(minutes=offset)
                    start = wall_clock.replace(tzinfo=self.zone)
                    if changes_clock and not _exists(start, wall_clock):
                        continue  # skipped by the spring change: it would repeat a later start
                    start_ts = start.timestamp()
                    end_ts = start_ts + length
                    if end_ts > shift_close:
                        break
                    if start_ts < self.earliest:
                        continue
                    if busy.is_free(start_ts, end_ts) and (
                        self._device_for(spec, start_ts, end_ts) != -1
                    ):
                        starts.append(start_ts)
        self._cache[key] = starts
        return starts

    def _changes_clock(self, day: date) -> bool:
        """Does the clinic's clock jump on this local day (a daylight-saving change)?"""
        midnight = datetime.combine(day, time.min, tzinfo=self.zone)
        next_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=self.zone)
        return midnight.utcoffset() != next_midnight.utcoffset()

    def _instant(self, midnight: datetime, wall_time: time) -> float:
        return datetime.combine(midnight.date(), wall_time, tzinfo=self.zone).timestamp()

    def _device_for(self, spec: VisitSpec, start_ts: float, end_ts: float) -> int | None:
        """A free device id, None when the visit needs none, -1 when all are taken."""
        if not spec.needs_device:
            return None
        for device_id in self.device_ids:
            if self.device_busy[device_id].is_free(start_ts, end_ts):
                return device_id
        return -1

    def openings(
        self, day: date, spec: VisitSpec, *, clinician_id: int | None = None
    ) -> list[Opening]:
        """Free start times on a local day, earliest first."""
        clinician_ids = self.clinician_ids if clinician_id is None else [clinician_id]
        openings = [
            Opening(
                start=datetime.fromtimestamp(start_ts, tz=UTC),
                clinician_id=candidate,
                minutes=spec.minutes,
            )
            for candidate in clinician_ids
            if candidate in self.clinician_busy
            for start_ts in self._free_starts(candidate, day, spec)
        ]
        return sorted(openings)

    def has_opening(self, day: date, spec: VisitSpec) -> bool:
        return any(
            self._free_starts(clinician_id, day, spec) for clinician_id in self.clinician_ids
        )

    def problem_with(
        self, clinician_id: int, start: datetime, spec: VisitSpec
    ) -> BookingError | None:
        """Why this clinician cannot take this start (None if they can)."""
        if clinician_id not in self.clinician_busy:
            return SlotUnavailable()
        day = local_date(start)
        start_ts = start.timestamp()
        if start_ts in self._free_starts(clinician_id, day, spec):
            return None
        # Tell "someone else has it" apart from "the clinic does not offer that time".
        if not self._is_offered(clinician_id, day, start, spec):
            return SlotUnavailable()
        return SlotTaken()

    def _is_offered(self, clinician_id: int, day: date, start: datetime, spec: VisitSpec) -> bool:
        """Would the clinic offer this start if no other patient had booked anything?"""
        if not (self.first_day <= day <= self.last_day) or start.timestamp() < self.earliest:
            return False
        local = start.astimezone(self.zone)
        if (local.hour * 60 + local.minute) % self._granularity or local.second:
            return False
        if spec.needs_device and not self.device_ids:
            return False
        midnight = datetime.combine(day, time.min)
        start_ts = start.timestamp()
        end_ts = start_ts + spec.minutes * MINUTE
        in_a_shift = any(
            self._instant(midnight, shift_start) <= start_ts
            and end_ts <= self._instant(midnight, shift_end)
            for shift_start, shift_end in self.shifts.get((clinician_id, day.weekday()), ())
        )
        return in_a_shift and self.time_off[clinician_id].is_free(start_ts, end_ts)

    def free_device(self, start: datetime, spec: VisitSpec) -> int | None:
        start_ts = start.timestamp()
        device_id = self._device_for(spec, start_ts, start_ts + spec.minutes * MINUTE)
        return None if device_id == -1 else device_id

    def reserve(
        self, *, clinician_id: int, device_id: int | None, start: datetime, minutes: int
    ) -> None:
        """Mark a time as taken, so the next visit of the same course does not reuse it."""
        buffer = self.rules.buffer.total_seconds()
        interval = (start.timestamp() - buffer, start.timestamp() + minutes * MINUTE + buffer)
        self.clinician_busy[clinician_id].add(*interval)
        if device_id is not None:
            self.device_busy[device_id].add(*interval)
        self._cache.clear()


def _exists(start: datetime, wall_clock: datetime) -> bool:
    """Is this wall-clock time real in the clinic's zone (not skipped by a spring change)?"""
    return start.astimezone(UTC).astimezone(start.tzinfo).replace(tzinfo=None) == wall_clock


def free_start_times(
    *,
    protocol: Protocol,
    day: date,
    sequence: int = 1,
    clinician: Clinician | None = None,
    now: datetime | None = None,
    online: bool = True,
) -> list[Opening]:
    """Free start times on one local day for visit `sequence` of `protocol` (5 queries at most)."""
    calendar = Calendar(
        protocol=protocol,
        first_day=day,
        last_day=day,
        now=now,
        online=online,
        clinician_ids=None if clinician is None else [clinician.pk],
    )
    return calendar.openings(day, VisitSpec.for_visit(protocol, sequence))
