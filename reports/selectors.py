"""The clinic's reports: reads only, aggregated in the database, a fixed number of queries each.

Every function takes a `ReportScope` (a period of local days and optional clinician, device and
protocol) and returns plain dataclasses that the views render as charts, tables and CSV. The
number of queries of each report is the same whatever the amount of data
(tests/reports/test_query_counts.py): rows are grouped in the database by keys whose number is
bounded by the clinic's set-up (clinicians, days of the period, protocols, the timetable's start
times and visit lengths), never by the number of visits.

Definitions (docs/reports.md):
- open minutes: the clinician's working hours on each day of the period minus their time off and
  the clinic's closures; booked minutes: the appointments that occupy the calendar
  (`Appointment.objects.scheduled`), whatever their outcome;
- attendance counts visits of plans that were once confirmed (a lapsed hold is no cancellation);
- revenue values a session at its share of the course price (`visit_share`), as the
  reception's CSV export does; preparation visits are free.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import (
    ExtractHour,
    ExtractIsoWeekDay,
    ExtractMinute,
    TruncDate,
    TruncWeek,
)
from django.utils import timezone

from bookings.engine.rules import clinic_zone
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Clinician,
    FunnelDay,
    FunnelStep,
    Plan,
    PlanStatus,
    TimeOff,
    WorkingHours,
)
from treatments.models import Protocol

# The longest period a report covers: a year and a bit, so that a typo cannot ask for a century.
MAX_DAYS = 400


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: local days `first`..`last` (inclusive) and optional filters."""

    first: date
    last: date
    clinician_id: int | None = None
    device_id: int | None = None
    protocol_id: int | None = None

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=clinic_zone())

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=clinic_zone())

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def appointments(self) -> Iterable[Appointment]:
        """Appointments starting in the period, narrowed by the filters."""
        found = Appointment.objects.filter(start__gte=self.starts_at, start__lt=self.ends_at)
        if self.clinician_id:
            found = found.filter(clinician_id=self.clinician_id)
        if self.device_id:
            found = found.filter(device_id=self.device_id)
        if self.protocol_id:
            found = found.filter(plan__protocol_id=self.protocol_id)
        return found


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _duration() -> ExpressionWrapper:
    return ExpressionWrapper(F("end") - F("start"), output_field=DurationField())


def _minutes(value: timedelta | int | None) -> int:
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 60)
    return round(value / 60_000_000)  # microseconds (a backend that returns raw numbers)


# --- Utilisation --------------------------------------------------------------------------------


@dataclass
class UtilisationRow:
    label: str
    open_minutes: int = 0
    booked_minutes: int = 0

    @property
    def share(self) -> float | None:
        return ratio(self.booked_minutes, self.open_minutes)


@dataclass
class Utilisation:
    days: list[UtilisationRow]
    weeks: list[UtilisationRow]
    clinicians: list[UtilisationRow]
    # heat[weekday 0-6][hour 0-23]
    heat: list[list[UtilisationRow]]
    total: UtilisationRow


Interval = tuple[datetime, datetime]


def _subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    result = []
    for start, end in intervals:
        pieces = [(start, end)]
        for hole_start, hole_end in holes:
            next_pieces = []
            for a, b in pieces:
                if hole_end <= a or hole_start >= b:
                    next_pieces.append((a, b))
                    continue
                if a < hole_start:
                    next_pieces.append((a, hole_start))
                if hole_end < b:
                    next_pieces.append((hole_end, b))
            pieces = next_pieces
        result.extend(pieces)
    return result


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _real_minutes(start: datetime, end: datetime) -> int:
    """Elapsed minutes. Python subtracts two datetimes of the same zone by their wall clocks,
    so a shift over a daylight-saving change is measured in UTC (01:00–04:00 on the spring
    change day is two hours)."""
    return round((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 60)


def _split_by_hour(start: datetime, end: datetime) -> Iterable[tuple[int, int, int]]:
    """(local weekday, local hour, minutes) pieces of a local interval."""
    cursor = start
    while cursor < end:
        next_hour = (cursor.replace(minute=0, second=0, microsecond=0)) + timedelta(hours=1)
        piece_end = min(end, next_hour)
        yield cursor.weekday(), cursor.hour, round((piece_end - cursor).total_seconds() / 60)
        cursor = piece_end


def open_intervals(scope: ReportScope) -> dict[int, dict[date, list[Interval]]]:
    """Each clinician's open time per local day: shifts minus time off and closures (2 queries)."""
    zone = clinic_zone()
    shifts = WorkingHours.objects.filter(clinician__active=True)
    if scope.clinician_id:
        shifts = shifts.filter(clinician_id=scope.clinician_id)
    if scope.protocol_id:
        shifts = shifts.filter(clinician__protocols=scope.protocol_id)
    by_weekday: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    clinician_ids = set()
    for clinician_id, weekday, start, end in shifts.values_list(
        "clinician_id", "weekday", "start", "end"
    ):
        by_weekday[weekday].append((clinician_id, start, end))
        clinician_ids.add(clinician_id)
    away: dict[int | None, list[Interval]] = defaultdict(list)
    for clinician_id, start, end in TimeOff.objects.filter(
        Q(clinician__isnull=True) | Q(clinician_id__in=clinician_ids),
        start__lt=scope.ends_at,
        end__gt=scope.starts_at,
    ).values_list("clinician_id", "start", "end"):
        away[clinician_id].append((start.astimezone(zone), end.astimezone(zone)))
    result: dict[int, dict[date, list[Interval]]] = defaultdict(dict)
    for day in scope.days():
        for clinician_id, start, end in by_weekday.get(day.weekday(), ()):
            # Wall-clock times in the clinic's zone: a 09:00 shift stays 09:00 across DST.
            shift = (
                datetime.combine(day, start, tzinfo=zone),
                datetime.combine(day, end, tzinfo=zone),
            )
            free = _subtract([shift], away[None] + away[clinician_id])
            result[clinician_id].setdefault(day, []).extend(free)
    return result


def utilisation_report(*, scope: ReportScope, now: datetime | None = None) -> Utilisation:
    """Booked minutes over open minutes by day, ISO week, clinician and weekday × hour.

    With a device chosen, the open time is the clinic's (any clinician working) and the booked
    time that of the device.
    """
    now = now or timezone.now()
    zone = clinic_zone()
    opened = open_intervals(scope)
    names = dict(Clinician.objects.values_list("pk", "display_name"))

    # `scheduled`, not `blocking`: a no-show frees its time for the desk, but it took the time.
    booked = Appointment.objects.scheduled(now).filter(
        start__gte=scope.starts_at, start__lt=scope.ends_at
    )
    if scope.clinician_id:
        booked = booked.filter(clinician_id=scope.clinician_id)
    if scope.device_id:
        booked = booked.filter(device_id=scope.device_id)
    if scope.protocol_id:
        booked = booked.filter(plan__protocol_id=scope.protocol_id)
    per_day = (
        booked.annotate(day=TruncDate("start", tzinfo=zone))
        .values("clinician_id", "day")
        .annotate(taken=Sum(_duration()))
        .order_by()
    )
    # Grouped by start time and length: as many rows as the timetable has shapes, however many
    # visits; the minutes are then spread over the hours each visit really covers.
    shapes = (
        booked.annotate(
            weekday=ExtractIsoWeekDay("start", tzinfo=zone),
            hour=ExtractHour("start", tzinfo=zone),
            minute=ExtractMinute("start", tzinfo=zone),
            length=_duration(),
        )
        .values("weekday", "hour", "minute", "length")
        .annotate(visits=Count("id"))
        .order_by()
    )

    days = {day: UtilisationRow(label=day.isoformat()) for day in scope.days()}
    clinicians: dict[int, UtilisationRow] = {}
    heat = [[UtilisationRow(label=f"{d}-{h}") for h in range(24)] for d in range(7)]

    if scope.device_id:
        # The device can work whenever the clinic is open: the union of everyone's open time.
        union: dict[date, list[Interval]] = defaultdict(list)
        for per_clinician in opened.values():
            for day, intervals in per_clinician.items():
                union[day].extend(intervals)
        opened = {0: {day: _merge(intervals) for day, intervals in union.items()}}

    for clinician_id, per_day_open in opened.items():
        row = clinicians.setdefault(clinician_id, UtilisationRow(label=names.get(clinician_id, "")))
        for day, intervals in per_day_open.items():
            for start, end in intervals:
                minutes = _real_minutes(start, end)
                days[day].open_minutes += minutes
                row.open_minutes += minutes
                for weekday, hour, piece in _split_by_hour(start, end):
                    heat[weekday][hour].open_minutes += piece

    for item in per_day:
        minutes = _minutes(item["taken"])
        day = item["day"]
        if day in days:
            days[day].booked_minutes += minutes
        key = 0 if scope.device_id else item["clinician_id"]
        row = clinicians.setdefault(key, UtilisationRow(label=names.get(key, "")))
        row.booked_minutes += minutes

    for shape in shapes:
        length = _minutes(shape["length"])
        # A stand-in day with the right weekday; only the wall-clock hours matter here.
        start = datetime(2024, 1, shape["weekday"], shape["hour"], shape["minute"])
        for weekday, hour, piece in _split_by_hour(start, start + timedelta(minutes=length)):
            heat[weekday][hour].booked_minutes += piece * shape["visits"]

    weeks: dict[tuple[int, int], UtilisationRow] = {}
    for day, row in days.items():
        year, week, _weekday = day.isocalendar()
        week_row = weeks.setdefault((year, week), UtilisationRow(label=f"{year}-W{week:02d}"))
        week_row.open_minutes += row.open_minutes
        week_row.booked_minutes += row.booked_minutes

    total = UtilisationRow(
        label="total",
        open_minutes=sum(row.open_minutes for row in days.values()),
        booked_minutes=sum(row.booked_minutes for row in days.values()),
    )
    if scope.device_id:
        clinicians = {}
    return Utilisation(
        days=list(days.values()),
        weeks=list(weeks.values()),
        clinicians=sorted(clinicians.values(), key=lambda row: row.label),
        heat=heat,
        total=total,
    )


# --- Attendance: no-shows and late cancellations -----------------------------------------------


@dataclass
class AttendanceRow:
    label: str
    attended: int = 0
    no_shows: int = 0
    cancelled: int = 0
    late_cancelled: int = 0
    unrecorded: int = 0

    @property
    def due(self) -> int:
        return self.attended + self.no_shows

    @property
    def no_show_rate(self) -> float | None:
        return ratio(self.no_shows, self.due)

    @property
    def late_cancellation_rate(self) -> float | None:
        return ratio(self.late_cancelled, self.due + self.cancelled)


@dataclass
class Attendance:
    clinicians: list[AttendanceRow]
    protocols: list[AttendanceRow]
    total: AttendanceRow
    notice_hours: int


def attendance_report(*, scope: ReportScope, now: datetime | None = None) -> Attendance:
    """No-show rate (no-shows / visits that were due) and cancellations, late ones apart.

    Late: cancelled less than BOOKING_CANCELLATION_NOTICE_HOURS before the visit (or after its
    start). Visits still "booked" after their start are counted apart as not recorded.
    """
    now = now or timezone.now()
    notice = timedelta(hours=settings.BOOKING_CANCELLATION_NOTICE_HOURS)
    rows = (
        scope.appointments()
        .filter(plan__confirmed_at__isnull=False)
        .values("clinician_id", "plan__protocol_id", "status")
        .annotate(
            visits=Count("id"),
            late=Count(
                "id",
                filter=Q(
                    status=AppointmentStatus.CANCELLED,
                    cancelled_at__gt=F("start") - notice,
                ),
            ),
            past=Count("id", filter=Q(start__lt=now)),
        )
        .order_by()
    )
    names = dict(Clinician.objects.values_list("pk", "display_name"))
    protocol_names = {p.pk: str(p) for p in Protocol.objects.only("pk", "name")}
    clinicians: dict[int, AttendanceRow] = {}
    protocols: dict[int, AttendanceRow] = {}
    total = AttendanceRow(label="total")
    for row in rows:
        targets = (
            clinicians.setdefault(
                row["clinician_id"], AttendanceRow(label=names.get(row["clinician_id"], ""))
            ),
            protocols.setdefault(
                row["plan__protocol_id"],
                AttendanceRow(label=protocol_names.get(row["plan__protocol_id"], "")),
            ),
            total,
        )
        for target in targets:
            status = row["status"]
            if status in (AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN):
                target.attended += row["visits"]
            elif status == AppointmentStatus.NO_SHOW:
                target.no_shows += row["visits"]
            elif status == AppointmentStatus.CANCELLED:
                target.cancelled += row["visits"]
                target.late_cancelled += row["late"]
            elif status == AppointmentStatus.BOOKED:
                target.unrecorded += row["past"]
    return Attendance(
        clinicians=sorted(clinicians.values(), key=lambda r: r.label),
        protocols=sorted(protocols.values(), key=lambda r: r.label),
        total=total,
        notice_hours=settings.BOOKING_CANCELLATION_NOTICE_HOURS,
    )


# --- Revenue ------------------------------------------------------------------------------------


def visit_share(*, price: Decimal, session_count: int, sequence: int) -> Decimal:
    """A session's share of the course price; the last session takes the rounding remainder, so
    a course's sessions add up to its price (the reception's CSV export splits the same way)."""
    share = (price / session_count).quantize(Decimal("0.01"))
    if sequence == session_count:
        return price - share * (session_count - 1)
    return share


@dataclass
class RevenueRow:
    label: str
    booked: Decimal = Decimal(0)
    delivered: Decimal = Decimal(0)
    lost_cancelled: Decimal = Decimal(0)
    lost_no_show: Decimal = Decimal(0)
    awaiting_review: Decimal = Decimal(0)

    @property
    def lost(self) -> Decimal:
        return self.lost_cancelled + self.lost_no_show


@dataclass
class Revenue:
    protocols: list[RevenueRow]
    weeks: list[RevenueRow]
    total: RevenueRow
    currency: str


def revenue_report(*, scope: ReportScope) -> Revenue:
    """Sessions in the period valued at their share of the course price.

    booked: sessions (not cancelled) of plans that were confirmed; delivered: completed
    sessions; lost: cancelled sessions of confirmed plans, and no-shows; awaiting review: the
    sessions of plans a clinician has not decided yet, shown apart and never as booked.
    """
    zone = clinic_zone()
    rows = (
        scope.appointments()
        .filter(kind=AppointmentKind.SESSION)
        # By week, not day: the weekly bars need no more, and a year groups into ~50 keys.
        .annotate(week=TruncWeek("start", tzinfo=zone))
        .values(
            "week",
            "plan__protocol_id",
            "plan__protocol__price",
            "plan__protocol__session_count",
            "sequence",
            "status",
            "plan__status",
        )
        .annotate(
            visits=Count("id"), confirmed=Count("id", filter=Q(plan__confirmed_at__isnull=False))
        )
        .order_by()
    )
    protocol_names = {p.pk: str(p) for p in Protocol.objects.only("pk", "name")}
    protocols: dict[int, RevenueRow] = {}
    weeks: dict[tuple[int, int], RevenueRow] = {}
    total = RevenueRow(label="total")
    for row in rows:
        share = visit_share(
            price=row["plan__protocol__price"],
            session_count=row["plan__protocol__session_count"],
            sequence=row["sequence"],
        )
        monday = row["week"]
        year, week, _weekday = (
            monday.date() if isinstance(monday, datetime) else monday
        ).isocalendar()
        targets = (
            protocols.setdefault(
                row["plan__protocol_id"],
                RevenueRow(label=protocol_names.get(row["plan__protocol_id"], "")),
            ),
            weeks.setdefault((year, week), RevenueRow(label=f"{year}-W{week:02d}")),
            total,
        )
        status, confirmed = row["status"], row["confirmed"]
        for target in targets:
            if status == AppointmentStatus.CANCELLED:
                target.lost_cancelled += share * confirmed
                continue
            if row["plan__status"] == PlanStatus.AWAITING_REVIEW:
                target.awaiting_review += share * row["visits"]
                continue
            target.booked += share * confirmed
            if status == AppointmentStatus.COMPLETED:
                target.delivered += share * confirmed
            elif status == AppointmentStatus.NO_SHOW:
                target.lost_no_show += share * confirmed
    return Revenue(
        protocols=sorted(protocols.values(), key=lambda r: r.label),
        weeks=[weeks[key] for key in sorted(weeks)],
        total=total,
        currency=settings.CLINIC_CURRENCY,
    )


# --- Review turnaround -------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `fraction` of all at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


@dataclass
class Turnaround:
    decided: int
    approved: int
    declined: int
    median_hours: float | None
    p90_hours: float | None
    waiting_now: int
    hours: list[float] = field(default_factory=list)


def turnaround_report(*, scope: ReportScope) -> Turnaround:
    """Time from "awaiting review" to the clinician's decision, for decisions in the period.

    Reads one row per decision (two numbers); the median and the 90th percentile are computed
    here so that SQLite and PostgreSQL give the same answer.
    """
    plans = Plan.objects.filter(review_requested_at__isnull=False)
    if scope.clinician_id:
        plans = plans.filter(
            Q(reviewed_by_id=scope.clinician_id)
            | Q(reviewed_by__isnull=True, clinician_id=scope.clinician_id)
        )
    if scope.protocol_id:
        plans = plans.filter(protocol_id=scope.protocol_id)
    decided = list(
        plans.filter(reviewed_at__gte=scope.starts_at, reviewed_at__lt=scope.ends_at).values_list(
            "review_requested_at", "reviewed_at", "status"
        )
    )
    waiting_now = plans.filter(status=PlanStatus.AWAITING_REVIEW).count()
    hours = [(reviewed - asked).total_seconds() / 3600 for asked, reviewed, _status in decided]
    declined = sum(1 for *_times, status in decided if status == PlanStatus.DECLINED)
    return Turnaround(
        decided=len(decided),
        approved=len(decided) - declined,
        declined=declined,
        median_hours=statistics.median(hours) if hours else None,
        p90_hours=percentile(hours, 0.9),
        waiting_now=waiting_now,
        hours=hours,
    )


# --- The online booking funnel -----------------------------------------------------------------

FUNNEL_ORDER = (
    FunnelStep.STARTED,
    FunnelStep.TIMES_SHOWN,
    FunnelStep.DETAILS,
    FunnelStep.HELD,
)


@dataclass
class FunnelRow:
    protocol: str
    language: str
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, step: str) -> int:
        return self.counts.get(step, 0)

    @property
    def booked(self) -> int:
        """Confirmed at once or sent for review: the flow ended in a booking."""
        return self.count(FunnelStep.CONFIRMED) + self.count(FunnelStep.REVIEW)

    def abandoned_after(self, step: str) -> int:
        """Flows that reached `step` and went no further (never below zero: a flow may start on
        one day and end on the next, or started before the counters existed)."""
        nexts = {
            FunnelStep.STARTED: self.count(FunnelStep.BLOCKED) + self.count(FunnelStep.TIMES_SHOWN),
            FunnelStep.TIMES_SHOWN: self.count(FunnelStep.DETAILS),
            FunnelStep.DETAILS: self.count(FunnelStep.HELD),
            FunnelStep.HELD: self.booked,
        }
        return max(0, self.count(step) - nexts[step])

    @property
    def conversion(self) -> float | None:
        return ratio(self.booked, self.count(FunnelStep.STARTED))


@dataclass
class Funnel:
    rows: list[FunnelRow]
    total: FunnelRow


def funnel_report(*, scope: ReportScope) -> Funnel:
    """The daily counters of the period, summed per protocol and language (two queries)."""
    counters = FunnelDay.objects.filter(date__gte=scope.first, date__lte=scope.last)
    if scope.protocol_id:
        counters = counters.filter(protocol_id=scope.protocol_id)
    sums = counters.values("protocol_id", "language", "step").annotate(n=Sum("count")).order_by()
    protocol_names = {p.pk: str(p) for p in Protocol.objects.only("pk", "name")}
    rows: dict[tuple[int, str], FunnelRow] = {}
    total = FunnelRow(protocol="total", language="")
    for item in sums:
        key = (item["protocol_id"], item["language"])
        row = rows.setdefault(
            key, FunnelRow(protocol=protocol_names.get(key[0], ""), language=key[1])
        )
        row.counts[item["step"]] = row.count(item["step"]) + item["n"]
        total.counts[item["step"]] = total.count(item["step"]) + item["n"]
    return Funnel(rows=sorted(rows.values(), key=lambda r: (r.protocol, r.language)), total=total)


# Consultations that became courses: reports/consultations.py; waitlist fills:
# reports/waitlist.py (issue 18).
