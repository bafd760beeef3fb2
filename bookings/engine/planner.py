"""The course planner: proposes every visit of a course at once, keeping all the course rules.

The preparation visit comes first for the patient's own exosomes; session 1 no earlier than the
lab's lead time after it; each next session within the protocol's minimum and maximum days of
the previous one; everything inside the booking horizon. It prefers the same clinician for the
whole course and a time of day close to the first visit's.

Whether the rest of a course fits depends only on the day a visit is on (visits of one course
are on different days, and every qualified clinician may take any of them), so "can the course
be completed from visit i on day d?" is memoised: the search is at most visits × days checks,
whatever the calendar looks like.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.engine.availability import Calendar, VisitSpec
from bookings.engine.errors import BookingError, NoCourseFits, SlotTaken, SlotUnavailable
from bookings.engine.rules import (
    BookingRules,
    Visit,
    aware,
    clinic_zone,
    expected_sequences,
    instant,
    local_date,
    next_day_window,
)
from bookings.models import Clinician
from treatments.models import Protocol

# What the planner proposes and `plan_book()` books: one visit type for the whole engine.
ProposedVisit = Visit


def course_calendar(*, protocol: Protocol, now: datetime, online: bool = True) -> Calendar:
    """The calendar a proposal searches: every qualified clinician, from the earliest bookable
    day to the end of the horizon, read week by week as the search reaches it.

    One calendar can serve several proposals of one request (the times page tries a few first
    days), so the calendar is read once per request.
    """
    rules = BookingRules.from_settings()
    return Calendar(
        protocol=protocol,
        first_day=local_date(rules.earliest_start(now, online=online)),
        last_day=rules.last_day(now),
        now=now,
        online=online,
        rules=rules,
        lazy=True,
    )


def course_propose(
    *,
    protocol: Protocol,
    first_start: datetime | None = None,
    clinician: Clinician | None = None,
    now: datetime | None = None,
    online: bool = True,
    calendar: Calendar | None = None,
) -> list[ProposedVisit]:
    """Propose the whole course, starting at `first_start` or as early as possible.

    `calendar`: one from `course_calendar()` with the same protocol, `now` and `online`, to share
    between proposals. Raises NoCourseFits with a reason a patient understands when no course
    fits the horizon.
    """
    rules = BookingRules.from_settings()
    now = aware(now or timezone.now())
    if first_start is not None:
        first_start = instant(first_start)
    if calendar is None:
        calendar = course_calendar(protocol=protocol, now=now, online=online)
    return _Planner(protocol, calendar, rules, preferred=clinician).propose(first_start)


def course_propose_within(
    *,
    protocol: Protocol,
    calendar: Calendar,
    earliest: date,
    latest: date,
    clinician: Clinician | None = None,
    first_start_ok: Callable[[datetime], bool] | None = None,
) -> list[ProposedVisit] | None:
    """The earliest whole course whose first visit is on a day in [earliest, latest] (and whose
    start `first_start_ok` accepts), on an already loaded calendar; None when none fits.
    In memory only: no query."""
    planner = _Planner(protocol, calendar, BookingRules.from_settings(), preferred=clinician)
    if not calendar.clinician_ids:
        return None
    spec = planner.specs[0]
    for day in calendar.days():
        if day < earliest or day > latest or not planner._completable_from(0, day):
            continue
        for opening in calendar.openings(day, spec, clinician_id=planner.preferred_id):
            if first_start_ok is None or first_start_ok(opening.start):
                visits = [opening]
                anchor = planner._minutes_after_midnight(opening.start)
                lead = planner.preferred_id or opening.clinician_id
                for index in range(1, len(planner.sequences)):
                    visits.append(planner._next_visit(index, visits[-1], lead, anchor))
                return visits
    return None


class _Planner:
    def __init__(
        self,
        protocol: Protocol,
        calendar: Calendar,
        rules: BookingRules,
        preferred: Clinician | None,
    ) -> None:
        self.protocol = protocol
        self.calendar = calendar
        self.rules = rules
        self.preferred = preferred
        self.preferred_id = preferred.pk if preferred else None
        self.sequences = expected_sequences(protocol)
        self.specs = [VisitSpec.for_visit(protocol, sequence) for sequence in self.sequences]
        self._completable: dict[tuple[int, date], bool] = {}

    def propose(self, first_start: datetime | None) -> list[ProposedVisit]:
        self._check_resources()
        first = self._first_visit(first_start)
        visits = [first]
        anchor = self._minutes_after_midnight(first.start)
        lead_clinician = self.preferred_id or first.clinician_id
        for index in range(1, len(self.sequences)):
            visits.append(self._next_visit(index, visits[-1], lead_clinician, anchor))
        return visits

    # --- feasibility ---------------------------------------------------------------------------

    def _completable_from(self, index: int, day: date) -> bool:
        """Can visits index… of the course be placed, with visit `index` on `day`?"""
        key = (index, day)
        if key not in self._completable:
            self._completable[key] = self.calendar.has_opening(day, self.specs[index]) and (
                index == len(self.sequences) - 1
                or any(
                    self._completable_from(index + 1, next_day)
                    for next_day in self._window(index, day)
                )
            )
        return self._completable[key]

    def _window(self, index: int, day: date) -> Iterator[date]:
        """The days allowed for visit index+1 when visit `index` is on `day`."""
        first, last = next_day_window(self.protocol, self.sequences[index], day)
        last = self.calendar.last_day if last is None else min(last, self.calendar.last_day)
        while first <= last:
            yield first
            first += timedelta(days=1)

    # --- choosing ------------------------------------------------------------------------------

    def _first_visit(self, first_start: datetime | None) -> ProposedVisit:
        spec = self.specs[0]
        if first_start is not None:
            day = local_date(first_start)
            matching = [
                opening
                for opening in self.calendar.openings(day, spec, clinician_id=self.preferred_id)
                if opening.start == first_start
            ]
            if not matching:
                raise self._refusal(first_start, spec)
            if not self._completable_from(0, day):
                raise NoCourseFits(self._why_not_from(day))
            return matching[0]

        course_fits = False
        for day in self.calendar.days():
            if not self._completable_from(0, day):
                continue
            course_fits = True
            openings = self.calendar.openings(day, spec, clinician_id=self.preferred_id)
            if openings:
                return openings[0]
        if course_fits and self.preferred is not None:
            raise NoCourseFits(self._why_not_with_preferred())
        raise NoCourseFits(self._why_nothing_fits())

    def _next_visit(
        self, index: int, previous: ProposedVisit, lead_clinician: int, anchor: int
    ) -> ProposedVisit:
        spec = self.specs[index]
        # Walked lazily, day by day: the calendar reads a week only when the search gets there.
        feasible_days = (
            day
            for day in self._window(index - 1, previous.day)
            if self._completable_from(index, day)
        )
        # Same clinician on the earliest day they can do; anyone on the earliest day otherwise.
        earliest: date | None = None
        for day in feasible_days:
            earliest = earliest or day
            own = self.calendar.openings(day, spec, clinician_id=lead_clinician)
            if own:
                return self._closest_to(own, anchor)
        assert earliest is not None  # _completable_from(index - 1, previous.day) held
        return self._closest_to(self.calendar.openings(earliest, spec), anchor)

    def _closest_to(self, openings: list[Visit], anchor: int) -> Visit:
        return min(
            openings,
            key=lambda opening: (
                abs(self._minutes_after_midnight(opening.start) - anchor),
                opening,
            ),
        )

    def _refusal(self, start: datetime, spec: VisitSpec) -> BookingError:
        """Just taken only when another booking holds the time; an odd time is not available."""
        candidates = [self.preferred_id] if self.preferred_id else self.calendar.clinician_ids
        problems = [self.calendar.problem_with(candidate, start, spec) for candidate in candidates]
        if any(isinstance(problem, SlotTaken) for problem in problems):
            return SlotTaken(_("That start time is not free. Please choose another time."))
        return SlotUnavailable()

    @staticmethod
    def _minutes_after_midnight(moment: datetime) -> int:
        local = moment.astimezone(clinic_zone())
        return local.hour * 60 + local.minute

    # --- explaining ----------------------------------------------------------------------------

    def _check_resources(self) -> None:
        if not self.calendar.clinician_ids:
            raise NoCourseFits(
                _(
                    "No clinician offers this treatment at the moment. Please call us and we "
                    "will tell you when it is available again."
                )
            )
        if self.protocol.needs_device and not self.calendar.device_ids:
            raise NoCourseFits(
                _(
                    "The device this treatment needs is out of service at the moment. Please "
                    "call us and we will tell you when it is available again."
                )
            )
        span = self._shortest_course_days()
        if span > self.rules.horizon_days:
            raise NoCourseFits(
                _(
                    "This course takes at least %(span)s days from first to last visit, longer "
                    "than we book ahead online (%(horizon)s days). Please call us to plan it."
                )
                % {"span": span, "horizon": self.rules.horizon_days}
            )

    def _shortest_course_days(self) -> int:
        days = (len(self.sequences) - 1) * self.protocol.min_interval_days
        if self.protocol.is_autologous:
            days += self.protocol.lab_lead_days - self.protocol.min_interval_days
        return days

    def _course_rule_in_words(self) -> str:
        parts = []
        if self.protocol.is_autologous:
            parts.append(
                ngettext(
                    "the first session at least %(days)s day after the preparation visit",
                    "the first session at least %(days)s days after the preparation visit",
                    self.protocol.lab_lead_days,
                )
                % {"days": self.protocol.lab_lead_days}
            )
        if self.protocol.session_count > 1:
            parts.append(
                _("%(min)s to %(max)s days between sessions")
                % {
                    "min": self.protocol.min_interval_days,
                    "max": self.protocol.max_interval_days,
                }
            )
        return _(" and ").join(parts)

    def _why_not_from(self, day: date) -> str:
        return _(
            "Starting on %(day)s, the rest of the course does not fit into the next %(horizon)s "
            "days with %(rule)s. Please choose an earlier start, or call us."
        ) % {
            "day": date_format(day, "DATE_FORMAT"),
            "horizon": self.rules.horizon_days,
            "rule": self._course_rule_in_words(),
        }

    def _why_not_with_preferred(self) -> str:
        return _(
            "%(clinician)s has no free time to start this course within the next %(horizon)s "
            "days. Choose any clinician to see other times, or call us."
        ) % {"clinician": self.preferred, "horizon": self.rules.horizon_days}

    def _why_nothing_fits(self) -> str:
        count = len(self.sequences)
        rule = self._course_rule_in_words()
        if rule:
            return ngettext(
                "We could not find free times for the %(count)s visit of this course within "
                "the next %(horizon)s days, with %(rule)s. Please call us and we will find "
                "times with you.",
                "We could not find free times for the %(count)s visits of this course within "
                "the next %(horizon)s days, with %(rule)s. Please call us and we will find "
                "times with you.",
                count,
            ) % {"count": count, "horizon": self.rules.horizon_days, "rule": rule}
        return _(
            "We have no free time for this treatment within the next %(horizon)s days. Please "
            "call us and we will find a time with you."
        ) % {"horizon": self.rules.horizon_days}
