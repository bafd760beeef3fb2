"""The clinic's opening hours, computed from the clinicians' working hours (never typed twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from bookings.models import TimeOff, Weekday, WorkingHours


@dataclass(frozen=True)
class OpeningDay:
    weekday: int
    name: str
    hours: list[tuple[time, time]]  # merged, sorted; empty when closed


def opening_hours() -> list[OpeningDay]:
    """Monday to Sunday: the times at least one active clinician works, overlaps merged."""
    shifts: dict[int, list[tuple[time, time]]] = {day.value: [] for day in Weekday}
    for weekday, start, end in WorkingHours.objects.filter(clinician__active=True).values_list(
        "weekday", "start", "end"
    ):
        shifts[weekday].append((start, end))
    days = []
    for day in Weekday:
        merged: list[tuple[time, time]] = []
        for start, end in sorted(shifts[day.value]):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        days.append(OpeningDay(weekday=day.value, name=day.label, hours=merged))
    return days


@dataclass(frozen=True)
class Closure:
    first_day: date
    last_day: date
    reason: str


def upcoming_closures(*, now: datetime, limit: int = 10) -> list[Closure]:
    """Closures of the whole clinic that have not ended yet, soonest first, as local days.

    A closure ends at an instant (24 Dec 00:00 → 27 Dec 00:00): its last closed day is the day
    before that midnight, so the end is moved back a moment before taking its local date.
    """
    rows = TimeOff.objects.filter(clinician__isnull=True, end__gt=now).order_by("start")[:limit]
    return [
        Closure(
            first_day=timezone.localdate(row.start),
            last_day=timezone.localdate(row.end - timedelta(microseconds=1)),
            reason=row.reason,
        )
        for row in rows
    ]
