"""The front desk's calendar: a time grid of one day or one week, a column per clinician and
per device, in the clinic's zone.

Reads only, in a fixed number of queries whatever the number of visits (clinicians with their
shifts, devices, time off, the visits with their patients and treatments): the query test in
`tests/bookings/test_calendar.py` compares a small and a large week.

A visit's position is computed from its *local* wall-clock time on its local day, so on the days
the clocks change the grid still reads like the clock on the wall (the 25-hour October day shows
both 02:30s at 02:30 — the clinic is closed at that hour in practice). On the 23-hour March day
the rows labelled 02:00-02:45 name no instant (their datetimes fall on 03:00-03:45, which have
rows of their own): they are closed, so no time is offered twice.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import (
    CharField,
    DateTimeField,
    Field,
    IntegerField,
    Q,
    QuerySet,
    TimeField,
    Value,
)
from django.db.models.functions import Cast
from modeltranslation.utils import get_translation_fields

from bookings.engine.rules import appointment_title, clinic_zone, local_date
from bookings.models import (
    NOT_BLOCKING_STATUSES,
    Appointment,
    AppointmentStatus,
    Device,
    OfferStatus,
    TimeOff,
    WorkingHours,
)
from bookings.reception import desk
from common.compiled import compiled

ROW_MINUTES = 15
ROW_SECONDS = ROW_MINUTES * 60
# The grid's hours when nobody works that day (a closed day still shows a usable frame).
DEFAULT_OPEN, DEFAULT_CLOSE = time(9), time(17)
NEXT_OPEN_DAY_SEARCH_DAYS = 60
# What the grid, the print sheets and the desk's states read of a visit, and nothing more: each
# column of five joined tables costs the ORM time to build and load, and a protocol has each of
# its texts in every language (issue 22). A template or helper reading a column left out here
# costs a query per visit, which tests/bookings/test_calendar.py's query counts catch.
VISIT_COLUMNS = (
    "plan_id",
    "clinician_id",
    "device_id",
    "kind",
    "sequence",
    "start",
    "end",
    "status",
    "plan__status",
    "plan__patient__full_name",
    "plan__patient__phone",
    "plan__protocol__session_count",
    "plan__protocol__source",  # its preparation visit's name
    *(f"plan__protocol__{name}" for name in get_translation_fields("name", "how_to_prepare")),
    "plan__waitlist_offer__status",
    "clinician__display_name",
    "device__name",
)


@dataclass
class Block:
    """One visit on the grid: where it sits (rows from the top, rows long) and what it shows."""

    appointment: Appointment
    row: int
    rows: int
    local_start: datetime
    local_end: datetime
    title: str
    state: str
    state_label: str
    late: bool


@dataclass(slots=True)
class Cell:
    """One 15-minute row of one column: open (bookable frame), closed, or time off."""

    start: datetime
    open: bool
    off: bool
    free: bool = False  # open, and no visit overlaps its 15 minutes: a booking may start here


@dataclass
class Column:
    key: str  # "c-<id>" or "d-<id>"
    title: str
    day: date
    clinician_id: int | None = None
    device_id: int | None = None
    cells: list[Cell] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class CalendarDay:
    day: date
    columns: list[Column]
    is_open: bool


@dataclass
class CalendarView:
    days: list[CalendarDay]
    times: list[time]  # the rows' wall-clock labels
    first: time
    last: time
    waiting: list[Block]  # arrived, waiting to be seen
    late: list[Block]  # booked, not arrived, past the late margin
    now_row: float | None  # where the "now" line is, in rows from the top (today only)
    next_open_day: date | None  # the first open day after the first day shown


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


# Two queries, compiled once per process (common/compiled.py): the desk reloads the calendar all
# day, and building and compiling them cost the ORM more than running them.


def _no(field: Field) -> Cast:
    """A typed NULL: PostgreSQL matches a UNION's columns by type."""
    return Cast(Value(None), output_field=field)


@compiled
def _frame(*, start: datetime, end: datetime, closures_until: datetime) -> QuerySet:
    """The calendar's frame in one query: the active clinicians' shifts (with their names), the
    active devices, and the time off of the days shown with the whole-clinic closures until
    `closures_until`. Rows of (kind, id, name, weekday, shift start, shift end, off from, off
    until); the database's default orderings are dropped (a UNION's parts cannot have one)."""
    shifts = WorkingHours.objects.filter(clinician__active=True).values_list(
        Value("shift"),
        "clinician_id",
        "clinician__display_name",
        "weekday",
        "start",
        "end",
        _no(DateTimeField()),
        _no(DateTimeField()),
    )
    devices = Device.objects.filter(active=True).values_list(
        Value("device"),
        "pk",
        "name",
        _no(IntegerField()),
        _no(TimeField()),
        _no(TimeField()),
        _no(DateTimeField()),
        _no(DateTimeField()),
    )
    time_off = TimeOff.objects.filter(
        Q(start__lt=end, end__gt=start)
        | Q(clinician__isnull=True, start__lt=closures_until, end__gt=start)
    ).values_list(
        Value("off"),
        "clinician_id",
        _no(CharField()),
        _no(IntegerField()),
        _no(TimeField()),
        _no(TimeField()),
        "start",
        "end",
    )
    return shifts.order_by().union(devices.order_by(), time_off.order_by(), all=True)


@compiled
def _visits(*, start: datetime, end: datetime) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(start__gte=start, start__lt=end)
        .exclude(status=AppointmentStatus.CANCELLED)
        # The plan's waitlist offer comes in the same join (a reverse one-to-one): a held course
        # being offered is marked without a query per visit.
        .select_related(
            "plan__patient", "plan__protocol", "plan__waitlist_offer", "clinician", "device"
        )
        .only(*VISIT_COLUMNS)
        .order_by("start", "pk")
    )


def calendar_load(*, first_day: date, days: int, now: datetime) -> CalendarView:
    """The grid of `days` local days from `first_day`, in two queries whatever the data size:
    the frame (the shifts with their clinicians' names, the devices and the time off, with the
    whole-clinic closures of the weeks after, for the next open day) and the visits. It only
    reads, and the desk opens it all day long (issue 22: at most four queries for a page that
    reads)."""
    zone = clinic_zone()
    last_day = first_day + timedelta(days=days - 1)
    span_start = datetime.combine(first_day, time.min, tzinfo=zone)
    span_end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    horizon = datetime.combine(
        first_day + timedelta(days=NEXT_OPEN_DAY_SEARCH_DAYS), time.min, tzinfo=zone
    )

    shifts: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
    names: dict[int, str] = {}
    devices: list[tuple[int, str]] = []
    time_off: list[tuple[int | None, datetime, datetime]] = []
    frame = _frame.rows(start=span_start, end=span_end, closures_until=horizon)
    for kind, pk, name, weekday, shift_start, shift_end, off_from, off_until in frame:
        if kind == "shift":
            shifts[(pk, weekday)].append((shift_start, shift_end))
            names[pk] = name
        elif kind == "device":
            devices.append((pk, name))
        else:
            time_off.append((pk, off_from, off_until))
    visits = _visits.rows(start=span_start, end=span_end)
    # The columns' clinicians: those who work (active, with shifts) and anyone with a visit shown,
    # even if no longer active; an active clinician with neither has no column anyway.
    for visit in visits:
        names.setdefault(visit.clinician_id, visit.clinician.display_name)
    # By name as people read it (not the database's collation, which varies by server); the
    # devices the same way.
    clinicians = sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
    devices.sort(key=lambda item: (item[1].casefold(), item[0]))

    # The rows run from the earliest opening to the latest closing of the shown days.
    shown_weekdays = {(first_day + timedelta(days=n)).weekday() for n in range(days)}
    all_shifts = [
        shift
        for (_clinician_id, weekday), day_shifts in shifts.items()
        if weekday in shown_weekdays
        for shift in day_shifts
    ]
    first = min((start for start, _end in all_shifts), default=DEFAULT_OPEN)
    last = max((end for _start, end in all_shifts), default=DEFAULT_CLOSE)
    for visit in visits:
        local_start = visit.start.astimezone(zone)
        local_end = visit.end.astimezone(zone)
        first = min(first, local_start.time())
        # A visit ending at midnight ends with its day: its 00:00 is the next day's, which read
        # as a time of day comes before the start. `time.max` rounds up to the day's last row.
        last = max(last, local_end.time() if local_end.date() == local_start.date() else time.max)
    first = time(first.hour, first.minute - first.minute % ROW_MINUTES)
    last_minutes = -(-_minutes(last) // ROW_MINUTES) * ROW_MINUTES
    last = time(23, 59) if last_minutes >= 24 * 60 else time(*divmod(last_minutes, 60))
    row_count = -(-(_minutes(last) - _minutes(first)) // ROW_MINUTES)
    times = [
        time(*divmod(_minutes(first) + n * ROW_MINUTES, 60))
        for n in range(row_count)
        if _minutes(first) + n * ROW_MINUTES < 24 * 60
    ]

    by_column_day: dict[tuple[str, date], list[Appointment]] = defaultdict(list)
    for visit in visits:
        day = local_date(visit.start)
        by_column_day[(f"c-{visit.clinician_id}", day)].append(visit)
        if visit.device_id:
            by_column_day[(f"d-{visit.device_id}", day)].append(visit)

    calendar_days = []
    waiting: list[Block] = []
    late: list[Block] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        day_start = datetime.combine(day, time.min, tzinfo=zone)
        day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        closed_all_day = any(
            who is None and start <= day_start and end >= day_end for who, start, end in time_off
        )
        # Worked out once per day, not per column and row: the rows' starts (shared by every
        # column's cells), the time off that touches the day and the day's opening hours.
        starts = [datetime.combine(day, row_time, tzinfo=zone) for row_time in times]
        # The rows' instants as POSIX seconds: comparing floats is what comparing the aware
        # datetimes of two zones does (their UTC instants), at a fraction of the cost per cell.
        stamps = [start.timestamp() for start in starts]
        # Only the spring day's skipped hour has rows whose wall-clock time does not exist; the
        # day's offset changes on the two clock-change days alone, so other days check nothing.
        missing: list[int] = []
        if day_start.utcoffset() != day_end.utcoffset():
            missing = [
                row
                for row, (row_time, stamp) in enumerate(zip(times, stamps, strict=True))
                if datetime.fromtimestamp(stamp, zone).time() != row_time
            ]
            # A skipped row's datetime falls an hour on (02:30 is 03:30), past the rows after
            # it: each row takes the earliest instant of itself and the rows below, so the
            # stamps ascend as the bisections need (a skipped row then starts at 03:00).
            for row in reversed(range(len(stamps) - 1)):
                stamps[row] = min(stamps[row], stamps[row + 1])
        day_off = [entry for entry in time_off if entry[1] < day_end and entry[2] > day_start]
        weekday = day.weekday()
        columns: list[Column] = []
        for clinician_id, name in clinicians:
            day_shifts = shifts.get((clinician_id, weekday), [])
            key = f"c-{clinician_id}"
            if not day_shifts and not by_column_day.get((key, day)):
                continue
            column = Column(key, name, day, clinician_id=clinician_id)
            column.cells = _cells(starts, stamps, times, missing, day_shifts, day_off, clinician_id)
            columns.append(column)
        # A device is usable whenever someone works: its frame is the day's opening hours.
        opening_hours = [s for (_cid, wd), ss in shifts.items() if wd == weekday for s in ss]
        for device_id, device_name in devices:
            column = Column(f"d-{device_id}", device_name, day, device_id=device_id)
            column.cells = _cells(starts, stamps, times, missing, opening_hours, day_off, None)
            columns.append(column)
        for column in columns:
            column_visits = by_column_day.get((column.key, day), [])
            # What blocks time is the engine's rule (a no-show frees its time, docs/reception.md):
            # its block stays, its rows are free.
            blocking = [v for v in column_visits if v.status not in NOT_BLOCKING_STATUSES]
            for cell, taken in zip(column.cells, _busy_rows(stamps, blocking), strict=True):
                cell.free = cell.open and not taken
            for visit in column_visits:
                block = _block(visit, first, now)
                column.blocks.append(block)
                if column.device_id is None and day == local_date(now):
                    if visit.status == AppointmentStatus.CHECKED_IN:
                        waiting.append(block)
                    elif block.late:
                        late.append(block)
        is_open = not closed_all_day and any(wd == weekday for _cid, wd in shifts)
        calendar_days.append(CalendarDay(day, columns, is_open))

    now_row = None
    local_now = now.astimezone(zone)
    if first_day <= local_now.date() <= last_day:
        minutes = local_now.hour * 60 + local_now.minute - _minutes(first)
        if 0 <= minutes <= len(times) * ROW_MINUTES:
            now_row = minutes / ROW_MINUTES
    next_open = _next_open_day(
        first_day,
        {weekday for _clinician_id, weekday in shifts},
        [(start, end) for who, start, end in time_off if who is None],
    )
    return CalendarView(calendar_days, times, first, last, waiting, late, now_row, next_open)


def _busy_rows(stamps: list[float], visits: list[Appointment]) -> list[bool]:
    """Which rows of a column the visits overlap, `stamps` being the rows' starts as POSIX
    seconds in ascending order. A row is the instants [its start, its start + ROW_SECONDS): a
    visit starting inside it (10:10 on a 10-minute booking clock) takes it too, or the row would
    offer its start over the visit. Found by bisection per visit, not by a search per row."""
    busy = [False] * len(stamps)
    for visit in visits:
        begins, ends = visit.start.timestamp(), visit.end.timestamp()
        # The rows starting after `begins - ROW_SECONDS` and before `ends`.
        for row in range(bisect_right(stamps, begins - ROW_SECONDS), bisect_left(stamps, ends)):
            busy[row] = True
    return busy


def _cells(
    starts: list[datetime],
    stamps: list[float],
    times: list[time],
    missing: list[int],
    day_shifts: list[tuple[time, time]],
    day_off: list[tuple[int | None, datetime, datetime]],
    clinician_id: int | None,
) -> list[Cell]:
    """A column's rows on one day: `starts` are the rows' moments (`times` on that day, in
    ascending order), `stamps` the same as POSIX seconds (ascending: a skipped row has the next
    row's), `missing` the rows whose wall-clock time the day skips, and `day_off` the time off
    that touches the day (whole-clinic closures have no clinician)."""
    # A shift opens the rows from its start's to its end's: found by bisection, not per row.
    open_rows = [False] * len(times)
    for shift_start, shift_end in day_shifts:
        for row in range(bisect_left(times, shift_start), bisect_left(times, shift_end)):
            open_rows[row] = True
    # A skipped row's start is the instant of a later row: open, it would offer that time twice.
    for row in missing:
        open_rows[row] = False
    off_spans = [
        (begins.timestamp(), ends.timestamp())
        for who, begins, ends in day_off
        if who in (None, clinician_id)
    ]
    if not off_spans:  # most days nobody is off: no search per row
        return [Cell(start, open_, False) for start, open_ in zip(starts, open_rows, strict=True)]
    cells = []
    for start, stamp, open_ in zip(starts, stamps, open_rows, strict=True):
        # Like a visit, time off takes every row it overlaps (off from 13:10 takes 13:00).
        off = any(begins < stamp + ROW_SECONDS and stamp < ends for begins, ends in off_spans)
        cells.append(Cell(start, open_ and not off, off))
    return cells


def _block(visit: Appointment, first: time, now: datetime) -> Block:
    zone = clinic_zone()
    local_start = visit.start.astimezone(zone)
    local_end = visit.end.astimezone(zone)
    start_minutes = local_start.hour * 60 + local_start.minute - _minutes(first)
    length = max(1, round((visit.end - visit.start).total_seconds() / 60 / ROW_MINUTES))
    state, state_label = _state(visit)
    return Block(
        appointment=visit,
        row=start_minutes // ROW_MINUTES,
        rows=length,
        local_start=local_start,
        local_end=local_end,
        title=appointment_title(visit),
        state=state,
        state_label=state_label,
        late=desk.is_late(visit, now),
    )


def _state(visit: Appointment) -> tuple[str, str]:
    """The desk's state, except that a held course of an open waitlist offer reads "offered":
    reception must not give that time away by phone while a waiting patient may claim it."""
    state = desk.visit_state(visit)
    if state == desk.HELD:
        # Loaded with the visit (select_related); a plan without an offer raises, read as None.
        offer = getattr(visit.plan, "waitlist_offer", None)
        if offer is not None and offer.status == OfferStatus.OPEN:
            return desk.OFFERED, str(desk.STATE_LABELS[desk.OFFERED])
    return state, desk.visit_state_label(visit)


def day_is_open(day: date) -> bool:
    """Someone active works that weekday and no whole-clinic closure covers the day."""
    zone = clinic_zone()
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    works = WorkingHours.objects.filter(clinician__active=True, weekday=day.weekday()).exists()
    closed = TimeOff.objects.filter(
        clinician__isnull=True, start__lte=day_start, end__gte=day_end
    ).exists()
    return works and not closed


def next_open_day(after: date) -> date | None:
    """The first day after `after` on which an active clinician works and the clinic is open."""
    zone = clinic_zone()
    weekdays = set(
        WorkingHours.objects.filter(clinician__active=True).values_list("weekday", flat=True)
    )
    if not weekdays:
        return None
    horizon = after + timedelta(days=NEXT_OPEN_DAY_SEARCH_DAYS)
    closures = list(
        TimeOff.objects.filter(
            clinician__isnull=True,
            start__lt=datetime.combine(horizon, time.min, tzinfo=zone),
            end__gt=datetime.combine(after, time.min, tzinfo=zone),
        ).values_list("start", "end")
    )
    return _next_open_day(after, weekdays, closures)


def _next_open_day(
    after: date, weekdays: set[int], closures: list[tuple[datetime, datetime]]
) -> date | None:
    """The first day after `after`, within the search horizon, on one of `weekdays` and not
    wholly inside one of `closures`."""
    zone = clinic_zone()
    horizon = after + timedelta(days=NEXT_OPEN_DAY_SEARCH_DAYS)
    day = after + timedelta(days=1)
    while day < horizon:
        if day.weekday() in weekdays:
            day_start = datetime.combine(day, time.min, tzinfo=zone)
            day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
            if not any(start <= day_start and end >= day_end for start, end in closures):
                return day
        day += timedelta(days=1)
    return None
