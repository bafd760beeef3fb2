"""Times for the booking pages: a proposal from an earliest date, and a day picker for one visit.

Both read one `Calendar` for the whole range (three queries, whatever the number of days or
appointments), so a page that shows a month of days costs the same as one that shows a single day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bookings.engine import rules as course_rules
from bookings.engine.availability import Calendar, Opening, VisitSpec
from bookings.engine.errors import NoCourseFits
from bookings.engine.planner import ProposedVisit, course_calendar, course_propose
from bookings.engine.rules import BookingRules, Timed, expected_sequences, local_date
from bookings.models import Clinician
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


# How many later first days are tried for a course clear of the patient's own visits.
BUSY_RETRY_DAYS = 21


def _clashes(visits: Iterable[object], busy: Sequence[tuple[datetime, datetime]]) -> bool:
    """Whether any of these visits (or openings) overlaps one of the `busy` intervals."""
    for visit in visits:
        end = visit.start + timedelta(minutes=visit.minutes)
        if any(visit.start < until and since < end for since, until in busy):
            return True
    return False


def course_from(
    *,
    protocol: Protocol,
    clinician: Clinician | None,
    earliest: date | None,
    busy: Sequence[tuple[datetime, datetime]] = (),
    now: datetime | None = None,
) -> list[ProposedVisit]:
    """The whole course, its first visit on `earliest` or the first day after it with a free time.

    `busy`: times the patient is already booked (a returning patient's other course). The
    engine refuses a course that overlaps them, so the proposal steps past them — else the
    patient was sent back to "new times" that were the same times, for ever.

    Raises NoCourseFits (with the planner's reason) when nothing fits, and when nothing is free
    from `earliest` on (never a course earlier than the patient asked for).
    """
    now = now or timezone.now()
    rules = BookingRules.from_settings()
    # One calendar for every proposal below: the page reads the calendar once.
    calendar = course_calendar(protocol=protocol, now=now)
    fallback = None
    if earliest is None or earliest <= local_date(rules.earliest_start(now, online=True)):
        course = course_propose(protocol=protocol, clinician=clinician, now=now, calendar=calendar)
        if not busy or not _clashes(course, busy):
            return course
        # Try from the same day on; the engine names the clash if nothing clear is found.
        fallback, earliest = course, local_date(course[0].start)
    spec = VisitSpec.for_visit(protocol, expected_sequences(protocol)[0])
    tried = 0
    for day in calendar.days():
        if day < earliest:
            continue
        openings = [
            opening
            for opening in calendar.openings(
                day, spec, clinician_id=None if clinician is None else clinician.pk
            )
            if not _clashes([opening], busy)
        ]
        if not openings:
            continue
        try:
            course = course_propose(
                protocol=protocol,
                first_start=openings[0].start,
                clinician=clinician,
                now=now,
                calendar=calendar,
            )
        except NoCourseFits:
            if not busy:
                raise
        else:
            if not _clashes(course, busy):
                return course
        tried += 1
        if tried >= BUSY_RETRY_DAYS:
            break
    if fallback is not None:
        return fallback
    # Nothing from that date on. Proposing the first free course instead would quietly book the
    # patient earlier than they asked; say so, and let them choose another date.
    raise NoCourseFits(
        _(
            "We have no free times for this course from %(day)s on. Please choose an earlier "
            "date, or leave the date empty for the first free times."
        )
        % {"day": date_format(earliest, "DATE_FORMAT")}
    )


@dataclass(frozen=True)
class DayChoice:
    day: date
    free: bool


@dataclass(frozen=True)
class VisitTimes:
    days: list[DayChoice]
    selected: date | None
    openings: list[Opening]
    # Who works those times: the clinicians who perform the protocol and have shifts.
    clinician_names: dict[int, str] = field(default_factory=dict)


def visit_times(
    *,
    protocol: Protocol,
    sequence: int,
    others: Iterable[Timed],
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
    earliest, latest = course_rules.day_window_for(protocol, sequence=sequence, others=others)
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
    return VisitTimes(
        days=days,
        selected=selected,
        openings=openings,
        clinician_names=calendar.clinician_names,
    )
