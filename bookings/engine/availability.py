"""Availability: which start times are free, computed from the calendar, never stored.

`Calendar` loads everything that decides availability for one protocol over a span of days in a
fixed number of queries (at most three, whatever the number of appointments), then answers in
memory: working hours (split shifts too), clinician time off and clinic closures, active
appointments with the buffer after each, a free device for laser protocols, the online lead
time and the booking horizon. Wall-clock times live in the clinic's zone, so a 10:00 start stays
10:00 local across a daylight-saving change; all arithmetic on instants is done in UTC.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from bookings.engine.errors import BookingError, SlotTaken, SlotUnavailable
from bookings.engine.rules import (
    BookingRules,
    Visit,
    aware,
    clinic_zone,
    exists_on_the_clock,
    local_date,
)
from bookings.models import (
    NOT_BLOCKING_STATUSES,
    PREPARATION_SEQUENCE,
    Appointment,
    Clinician,
    Device,
    Plan,
    PlanStatus,
    TimeOff,
    WorkingHours,
)
from treatments.models import Protocol

MINUTE = 60
# A lazy calendar (the planner's) reads busy intervals this many days at a time.
LOAD_DAYS = 7


def _busy_rows(
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    clinician_ids: list[int],
    device_ids: list[int],
    ignore_ids: list[int],
) -> list[tuple[str, int | None, int | None, float, float]]:
    """Time off and blocking appointments that touch [start, end), in one query.

    Rows are (kind, clinician id, device id, start, end) with kind "off" (clinician time off,
    or a clinic closure when the clinician is None) or "booked", and times as POSIX seconds
    computed by the database, so no datetime is built per row.

    Raw SQL on purpose: this is the product's hottest read (every listing, every proposal,
    every booking's re-check), and building the equivalent querysets cost more than running
    them (docs/performance.md: a day's listing under 5 ms). Which appointments block mirrors
    `Appointment.objects.blocking(now)`, the one statement of that rule: cancelled ones, no-shows
    and those of held plans whose hold ran out do not (tests/bookings/test_blocking_parity.py
    compares the two on random data).
    """
    if start >= end:
        # An empty span (a calendar whose first day is past the horizon) touches nothing; and
        # PostgreSQL refuses a range whose lower bound is above its upper one.
        return []
    params: list[object] = []

    def value(item: object) -> str:
        params.append(
            connection.ops.adapt_datetimefield_value(item) if isinstance(item, datetime) else item
        )
        return "%s"

    def among(column: str, ids: list[int]) -> str:
        return f"{column} IN ({', '.join(value(i) for i in ids)})" if ids else "1 = 0"

    quote = connection.ops.quote_name
    a_end = f"a.{quote('end')}"

    def overlaps() -> str:
        if connection.vendor == "postgresql":
            # The same overlap as a range, which the partial GiST index of the no-overlap
            # constraint (bookings/migrations/0002) answers exactly: both ends of the span bound
            # the scan, so a week's read costs that week's rows, not every row before it.
            return (
                f"tstzrange(a.start, {a_end}, '[)') && "
                f"tstzrange({value(start)}, {value(end)}, '[)') "
                "AND a.status NOT IN ('cancelled', 'no_show')"
            )
        return f"a.start < {value(end)} AND {a_end} > {value(start)}"

    time_off, appointment, plan = (
        quote(model._meta.db_table) for model in (TimeOff, Appointment, Plan)
    )
    sql = f"""
        SELECT 'off', clinician_id, NULL, {_epoch("start")}, {_epoch(quote("end"))}
        FROM {time_off}
        WHERE start < {value(end)} AND {quote("end")} > {value(start)}
          AND (clinician_id IS NULL OR {among("clinician_id", clinician_ids)})
        UNION ALL
        SELECT 'booked', a.clinician_id, a.device_id, {_epoch("a.start")}, {_epoch(a_end)}
        FROM {appointment} a
        WHERE {overlaps()}
          AND a.status NOT IN ({", ".join(value(status.value) for status in NOT_BLOCKING_STATUSES)})
          AND (SELECT NOT (p.status = {value(PlanStatus.HELD.value)}
                           AND p.hold_expires_at IS NOT NULL AND p.hold_expires_at <= {value(now)})
               FROM {plan} p WHERE p.id = a.plan_id)
          AND ({among("a.clinician_id", clinician_ids)} OR {among("a.device_id", device_ids)})
          AND NOT ({among("a.id", ignore_ids)})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _setup_rows(
    *, protocol: Protocol | None, clinician_ids: list[int] | None
) -> list[tuple[str, int, int | None, object, object, str | None]]:
    """The shifts of the clinicians who can take the visit, and the devices it may use, in one
    query: rows ("hours", clinician id, weekday, start, end, clinician name), shifts in order of
    their start, then ("device", device id, …) in id order.

    Raw SQL for the same reason as `_busy_rows`: every calendar starts with it, and the two
    querysets it replaces cost more to build than to run (issue 22). It states the rules of
    `WorkingHours.objects.of_clinicians_performing()` (active clinicians who perform the
    protocol), or, for a consultation, the given clinicians if active, and of
    `Device.objects.for_procedure()` (active devices of the protocol's procedure), only for a
    protocol that needs one; tests/bookings/test_availability.py compares them on mixed data.
    """
    if protocol is None and clinician_ids is None:
        clinician_ids = []  # a consultation's clinicians are exactly the given ones: none
    params: list[object] = []

    def value(item: object) -> str:
        params.append(item)
        return "%s"

    quote = connection.ops.quote_name
    hours, clinician = (quote(m._meta.db_table) for m in (WorkingHours, Clinician))
    performs = Clinician.protocols.through
    performs_table = quote(performs._meta.db_table)
    conditions = ["c.active"]
    if protocol is not None:
        conditions.append(
            f"EXISTS (SELECT 1 FROM {performs_table} p WHERE p.clinician_id = c.id "
            f"AND p.protocol_id = {value(protocol.pk)})"
        )
    if clinician_ids is not None:
        conditions.append(
            f"c.id IN ({', '.join(value(pk) for pk in clinician_ids)})"
            if clinician_ids
            else "1 = 0"
        )
    sql = f"""
        SELECT 'hours', h.clinician_id, h.weekday, h.start, h.{quote("end")}, c.display_name, 0
        FROM {hours} h JOIN {clinician} c ON c.id = h.clinician_id
        WHERE {" AND ".join(conditions)}
    """
    if protocol is not None and protocol.needs_device:
        sql += f"""
        UNION ALL
        SELECT 'device', d.id, NULL, NULL, NULL, NULL, 1
        FROM {quote(Device._meta.db_table)} d
        WHERE d.active AND d.procedure = {value(protocol.procedure)}
        """
    # Shifts by start (the order a day's shifts are walked in), devices by id, after them.
    sql += " ORDER BY 7, 4, 2"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[:6] for row in cursor.fetchall()]


def _wall_time(value: object) -> time:
    """A TimeField as the database gives it to raw SQL: a time (PostgreSQL) or text (SQLite)."""
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def _epoch(column: str) -> str:
    """SQL for a datetime column as POSIX seconds."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})::float8"
    # Django stores SQLite datetimes as UTC text, which julianday() reads as UTC; rounding to
    # whole seconds removes the floating-point noise of the day fraction.
    return f"ROUND((julianday({column}) - 2440587.5) * 86400.0)"


@dataclass(frozen=True)
class VisitSpec:
    """What visit `sequence` of a protocol needs: its length, and a device or not (laser sessions
    do, the preparation visit not)."""

    sequence: int
    minutes: int
    needs_device: bool

    @classmethod
    def for_visit(cls, protocol: Protocol, sequence: int) -> VisitSpec:
        if sequence == PREPARATION_SEQUENCE:
            return cls(sequence=sequence, minutes=protocol.preparation_minutes, needs_device=False)
        return cls(
            sequence=sequence, minutes=protocol.session_minutes, needs_device=protocol.needs_device
        )


# A free start time is a visit that nobody has booked yet.
Opening = Visit


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


class Calendar:
    """Availability for one protocol over the local days `first_day` to `last_day`.

    `protocol=None` is a consultation (engine.consultation): the clinicians are exactly
    `clinician_ids` (those who offer consultations) and no device is needed.
    """

    def __init__(
        self,
        *,
        protocol: Protocol | None,
        first_day: date,
        last_day: date,
        now: datetime | None = None,
        online: bool = True,
        clinician_ids: Iterable[int] | None = None,
        ignore_appointment_ids: Iterable[int] = (),
        rules: BookingRules | None = None,
        lazy: bool = False,
    ) -> None:
        """`lazy`: load busy intervals week by week as days are asked for (the planner's search
        over the horizon), instead of the whole span at once (a day, or a course's own days)."""
        self.protocol = protocol
        self.rules = rules or BookingRules.from_settings()
        self.now = aware(now or timezone.now())
        self.zone = clinic_zone()
        self.first_day = first_day
        self.last_day = min(last_day, self.rules.last_day(self.now))
        self.earliest = self.rules.earliest_start(self.now, online=online).timestamp()
        self._granularity = self.rules.granularity_minutes
        self._cache: dict[tuple[int, date, int, bool], list[float]] = {}
        self._lazy = lazy
        self._load(clinician_ids, ignore_appointment_ids)

    # --- loading: a fixed number of queries --------------------------------------------------

    def _load(self, clinician_ids: Iterable[int] | None, ignore_ids: Iterable[int]) -> None:
        # One query for the clinicians' shifts and the devices: a clinician without working
        # hours offers nothing.
        self.shifts: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
        # The names come with the shifts, so a page that lists free times needs no query of its
        # own to say whose they are.
        self.clinician_names: dict[int, str] = {}
        self.device_ids: list[int] = []
        for kind, row_id, weekday, start, end, name in _setup_rows(
            protocol=self.protocol,
            clinician_ids=None if clinician_ids is None else list(clinician_ids),
        ):
            if kind == "device":
                self.device_ids.append(row_id)
                continue
            self.shifts[row_id, weekday].append((_wall_time(start), _wall_time(end)))
            self.clinician_names[row_id] = name
        self.clinician_ids: list[int] = sorted({clinician_id for clinician_id, _ in self.shifts})

        self._ignore_ids = list(ignore_ids)
        # Busy intervals as loaded so far (plus reservations), rebuilt into _Busy after each load.
        self._leave: dict[int | None, list[tuple[float, float]]] = defaultdict(list)
        self._booked: dict[int, list[tuple[float, float]]] = defaultdict(list)
        self._device_intervals: dict[int, list[tuple[float, float]]] = defaultdict(list)
        self._loaded: set[int] = set()
        self._build()
        if not self._lazy:
            self._load_days(self.first_day, self.last_day)

    def _ensure_loaded(self, day: date) -> None:
        """Load the busy intervals of the week (counted from first_day) that holds `day`.

        The search asks for days in the order it walks them, so a proposal reads the weeks it
        reaches (usually three for a three-visit course), not the whole horizon: its cost
        follows the search, and the number of queries is bounded by the weeks of the span.
        """
        if not self._lazy or not (self.first_day <= day <= self.last_day):
            return
        chunk = (day - self.first_day).days // LOAD_DAYS
        if chunk in self._loaded:
            return
        first = self.first_day + timedelta(days=chunk * LOAD_DAYS)
        self._load_days(first, min(first + timedelta(days=LOAD_DAYS - 1), self.last_day))
        self._loaded.add(chunk)

    def _load_days(self, first_day: date, last_day: date) -> None:
        span_start = datetime.combine(first_day, time.min, tzinfo=self.zone)
        span_end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=self.zone)
        buffer = self.rules.buffer.total_seconds()
        for kind, clinician_id, device_id, start, end in _busy_rows(
            start=span_start - self.rules.buffer,
            end=span_end + self.rules.buffer,
            now=self.now,
            clinician_ids=self.clinician_ids,
            device_ids=self.device_ids,
            ignore_ids=self._ignore_ids,
        ):
            # A row that touches two loaded weeks comes twice; _Busy merges the copies.
            if kind == "off":
                self._leave[clinician_id].append((start, end))
                continue
            # The buffer after an appointment also keeps the next one from ending inside it.
            interval = (start - buffer, end + buffer)
            self._booked[clinician_id].append(interval)
            if device_id is not None:
                self._device_intervals[device_id].append(interval)
        self._build()

    def _build(self) -> None:
        closures = self._leave.get(None, [])
        # Kept apart as well, to tell "not offered" from "taken" when a chosen time is refused.
        self.time_off = {
            clinician_id: _Busy([*self._leave[clinician_id], *closures])
            for clinician_id in self.clinician_ids
        }
        self.clinician_busy = {
            clinician_id: _Busy(
                [*self._leave[clinician_id], *closures, *self._booked[clinician_id]]
            )
            for clinician_id in self.clinician_ids
        }
        self.device_busy = {
            device_id: _Busy(self._device_intervals[device_id]) for device_id in self.device_ids
        }
        self._cache.clear()

    # --- questions ---------------------------------------------------------------------------

    def days(self) -> Iterable[date]:
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += timedelta(days=1)

    def _free_starts(self, clinician_id: int, day: date, spec: VisitSpec) -> list[float]:
        # Sessions 1–3 need the same: one cache entry serves them all.
        key = (clinician_id, day, spec.minutes, spec.needs_device)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        starts: list[float] = []
        if self.first_day <= day <= self.last_day:
            self._ensure_loaded(day)
            busy = self.clinician_busy[clinician_id]
            length = spec.minutes * MINUTE
            midnight = datetime.combine(day, time.min)
            step = self._granularity
            for shift_start, shift_end in self.shifts.get((clinician_id, day.weekday()), ()):
                shift_close = self._instant(midnight, shift_end)
                first = -(-(shift_start.hour * 60 + shift_start.minute) // step) * step
                for start_ts in self._wall_clock_instants(day, first):
                    end_ts = start_ts + length
                    if end_ts > shift_close:
                        break
                    if start_ts < self.earliest:
                        continue
                    if busy.is_free(start_ts, end_ts) and self._device_available(
                        spec, start_ts, end_ts
                    ):
                        starts.append(start_ts)
        self._cache[key] = starts
        return starts

    def _wall_clock_instants(self, day: date, first_minute: int) -> Iterator[float]:
        """POSIX seconds of the local times first_minute, +granularity, … that exist on `day`.

        Wall-clock steps first, then the zone, so 10:00 stays 10:00 after a daylight-saving
        change. On most days the zone's offset holds all day and this is plain arithmetic; on a
        change day every time goes through the zone: the hour the spring change skips is left
        out (its times do not exist), and both passes of the hour the autumn change repeats are
        offered, as the distinct instants they are (the re-check accepts exactly these).
        """
        midnight = datetime.combine(day, time.min)
        minutes = range(first_minute, 24 * 60, self._granularity)
        start_of_day = midnight.replace(tzinfo=self.zone)
        start_of_next = (midnight + timedelta(days=1)).replace(tzinfo=self.zone)
        if start_of_day.utcoffset() == start_of_next.utcoffset():
            base = start_of_day.timestamp()
            for minute in minutes:
                yield base + minute * MINUTE
            return
        instants: set[float] = set()
        for minute in minutes:
            wall_clock = midnight + timedelta(minutes=minute)
            first_pass = wall_clock.replace(tzinfo=self.zone)
            if exists_on_the_clock(first_pass):
                instants.add(first_pass.timestamp())
                instants.add(wall_clock.replace(tzinfo=self.zone, fold=1).timestamp())
        # In time order, so the caller can stop at the first start that ends after the shift.
        yield from sorted(instants)

    def _instant(self, midnight: datetime, wall_time: time) -> float:
        return datetime.combine(midnight.date(), wall_time, tzinfo=self.zone).timestamp()

    def _free_device_id(self, start_ts: float, end_ts: float) -> int | None:
        """The first device free for the whole interval, or None when all are taken."""
        for device_id in self.device_ids:
            if self.device_busy[device_id].is_free(start_ts, end_ts):
                return device_id
        return None

    def _device_available(self, spec: VisitSpec, start_ts: float, end_ts: float) -> bool:
        """The visit needs no device, or one of the procedure's devices is free."""
        return not spec.needs_device or self._free_device_id(start_ts, end_ts) is not None

    def openings(
        self, day: date, spec: VisitSpec, *, clinician_id: int | None = None
    ) -> list[Opening]:
        """Free start times on a local day for visit `spec.sequence`, earliest first."""
        clinician_ids = self.clinician_ids if clinician_id is None else [clinician_id]
        # Sort plain tuples, then build: comparing dataclasses is much slower on this hot path.
        free = sorted(
            (start_ts, candidate)
            for candidate in clinician_ids
            if candidate in self.clinician_busy
            for start_ts in self._free_starts(candidate, day, spec)
        )
        return [
            Visit(
                sequence=spec.sequence,
                start=datetime.fromtimestamp(start_ts, tz=UTC),
                clinician_id=candidate,
                minutes=spec.minutes,
            )
            for start_ts, candidate in free
        ]

    def has_opening(self, day: date, spec: VisitSpec) -> bool:
        return any(
            self._free_starts(clinician_id, day, spec) for clinician_id in self.clinician_ids
        )

    def problem_with(
        self, clinician_id: int, start: datetime, spec: VisitSpec
    ) -> BookingError | None:
        """Why this clinician cannot take this start (None if they can).

        SlotUnavailable when the clinic would not offer the time even on an empty day, SlotTaken
        only when another booking holds it.
        """
        aware(start)
        if clinician_id not in self.clinician_busy or not exists_on_the_clock(start):
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
        off_the_clock = (local.hour * 60 + local.minute) % self._granularity
        if off_the_clock or local.second or local.microsecond:
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
        self._ensure_loaded(local_date(start))
        start_ts = start.timestamp()
        if not spec.needs_device:
            return None
        return self._free_device_id(start_ts, start_ts + spec.minutes * MINUTE)

    def reserve(
        self, *, clinician_id: int, device_id: int | None, start: datetime, minutes: int
    ) -> None:
        """Mark a time as taken, so the next visit of the same course does not reuse it."""
        self._ensure_loaded(local_date(start))
        buffer = self.rules.buffer.total_seconds()
        interval = (start.timestamp() - buffer, start.timestamp() + minutes * MINUTE + buffer)
        self._booked[clinician_id].append(interval)
        if device_id is not None:
            self._device_intervals[device_id].append(interval)
        self._build()


def free_start_times(
    *,
    protocol: Protocol,
    day: date,
    sequence: int = 1,
    clinician: Clinician | None = None,
    now: datetime | None = None,
    online: bool = True,
) -> list[Opening]:
    """Free start times on one local day for visit `sequence` of `protocol` (3 queries at most)."""
    calendar = Calendar(
        protocol=protocol,
        first_day=day,
        last_day=day,
        now=now,
        online=online,
        clinician_ids=None if clinician is None else [clinician.pk],
    )
    return calendar.openings(day, VisitSpec.for_visit(protocol, sequence))
