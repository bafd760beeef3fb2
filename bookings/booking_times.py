"""Times for the booking pages: a proposal from an earliest date, and a day picker for one visit.

Both read one `Calendar` for the whole range (three queries, whatever the number of days or
appointments), so a page that shows a month of days costs the same as one that shows a single day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict

from django.utils import timezone

from bookings.availability import Calendar, Opening, VisitSpec
from bookings.models import Clinician
from bookings.planner import ProposedVisit, course_propose
from bookings.rules import (
    BookingRules,
    Visit,
    day_window_between,
    expected_sequences,
    local_date,
)
from treatments.models import Protocol


class StoredVisit(TypedDict):
    """A proposed visit as kept in the session until it is held."""

    sequence: int
    start: str
    clinician_id: int
    minutes: int


def visits_to_session(visits: list[ProposedVisit]) -> list[StoredVisit]:
    return [
        StoredVisit(
            sequence=v.sequence,
            start=v.start.isoformat(),
            clinician_id=v.clinician_id,
            minutes=v.minutes,
        )
        for v in visits
    ]


def visits_from_session(stored: list[StoredVisit]) -> list[ProposedVisit]:
    return [
        ProposedVisit(
            sequence=v["sequence"],
            start=datetime.fromisoformat(v["start"]),
            clinician_id=v["clinician_id"],
            minutes=v["minutes"],
        )
        for v in stored
    ]


def course_from(
    *,
    protocol: Protocol,
    clinician: Clinician | None,
    earliest: date | None,
    now: datetime | None = None,
) -> list[ProposedVisit]:
    """The whole course, its first visit on `earliest` or the first day after it with a free time.

    Raises NoCourseFits (with the planner's reason) when nothing fits.
    """
    now = now or timezone.now()
    rules = BookingRules.from_settings()
    if earliest is None or earliest <= local_date(rules.earliest_start(now, online=True)):
        return course_propose(protocol=protocol, clinician=clinician, now=now)
    calendar = Calendar(
        protocol=protocol,
        first_day=earliest,
        last_day=rules.last_day(now),
        now=now,
        clinician_ids=None if clinician is None else [clinician.pk],
        rules=rules,
    )
    spec = VisitSpec.for_visit(protocol, expected_sequences(protocol)[0])
    for day in calendar.days():
        openings = calendar.openings(day, spec)
        if openings:
            return course_propose(
                protocol=protocol, first_start=openings[0].start, clinician=clinician, now=now
            )
    # Nothing from that date on: let the planner explain (it names the clinician or the rule).
    return course_propose(protocol=protocol, clinician=clinician, now=now)


def neighbours(visits: list[Visit], sequence: int) -> tuple[Visit | None, Visit | None]:
    """The visits just before and after `sequence` in the course (by sequence)."""
    ordered = sorted(visits, key=lambda visit: visit.sequence)
    before = [v for v in ordered if v.sequence < sequence]
    after = [v for v in ordered if v.sequence > sequence]
    return (before[-1] if before else None, after[0] if after else None)


@dataclass(frozen=True)
class DayChoice:
    day: date
    free: bool


@dataclass(frozen=True)
class VisitTimes:
    days: list[DayChoice]
    selected: date | None
    openings: list[Opening]


def visit_times(
    *,
    protocol: Protocol,
    sequence: int,
    previous: Visit | None,
    following: Visit | None,
    wanted_day: date | None,
    ignore_appointment_ids: tuple[int, ...] = (),
    now: datetime | None = None,
) -> VisitTimes:
    """The days this visit may move to (only days that keep the course rules), which of them
    have a free start, and the free starts on the chosen day (or the first day with one)."""
    now = now or timezone.now()
    rules = BookingRules.from_settings()
    first = local_date(rules.earliest_start(now, online=True))
    last = rules.last_day(now)
    earliest, latest = day_window_between(protocol, previous, following)
    first = max(first, earliest) if earliest else first
    last = min(last, latest) if latest else last
    if first > last:
        return VisitTimes(days=[], selected=None, openings=[])
    calendar = Calendar(
        protocol=protocol,
        first_day=first,
        last_day=last,
        now=now,
        ignore_appointment_ids=ignore_appointment_ids,
        rules=rules,
    )
    spec = VisitSpec.for_visit(protocol, sequence)
    days = [DayChoice(day=day, free=calendar.has_opening(day, spec)) for day in calendar.days()]
    free_days = [choice.day for choice in days if choice.free]
    fallback = free_days[0] if free_days else None
    selected = wanted_day if wanted_day in free_days else fallback
    openings = calendar.openings(selected, spec) if selected else []
    return VisitTimes(days=days, selected=selected, openings=openings)
