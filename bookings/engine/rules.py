"""The clinic's booking rules (from settings), a course's timing rules, and time arithmetic.

Course timing is counted in calendar days in the clinic's time zone: "21 days after" means the
local date is 21 days later, whatever the time of day or a daylight-saving change in between.

Durations are real time: `end_of()` adds minutes in UTC, so a 60-minute session that starts
02:15 on the autumn change day ends 60 real minutes later, not at 03:15 on the wall clock.

**After a cancellation** the remaining visits keep every rule between any two of them: their
order, one visit a day, the lab's lead time between the preparation visit and the first remaining
session, and between consecutive remaining sessions at least the minimum interval (once: the
skin needs the minimum rest after the last session it actually had) and at most the maximum
interval *per step of the course* (session 1 → session 3 with session 2 cancelled: at most twice
the maximum). The maximum counts per step so that cancelling a session never makes the rest of
a valid course break a rule: a patient can always cancel, and moving a remaining visit later is
judged by the same rule the cancellation left in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Protocol as Shape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.engine.errors import SlotUnavailable
from bookings.models import PREPARATION_SEQUENCE, Appointment, AppointmentKind
from treatments.models import Protocol


@dataclass(frozen=True)
class BookingRules:
    lead_time: timedelta
    horizon_days: int
    granularity_minutes: int
    buffer: timedelta
    cancellation_notice: timedelta
    hold: timedelta
    lock_timeout_seconds: int

    @classmethod
    def from_settings(cls) -> BookingRules:
        return cls(
            lead_time=timedelta(hours=settings.BOOKING_LEAD_TIME_HOURS),
            horizon_days=settings.BOOKING_HORIZON_DAYS,
            granularity_minutes=settings.BOOKING_GRANULARITY_MINUTES,
            buffer=timedelta(minutes=settings.BOOKING_BUFFER_MINUTES),
            cancellation_notice=timedelta(hours=settings.BOOKING_CANCELLATION_NOTICE_HOURS),
            hold=timedelta(minutes=settings.BOOKING_HOLD_MINUTES),
            lock_timeout_seconds=settings.BOOKING_LOCK_TIMEOUT_SECONDS,
        )

    def earliest_start(self, now: datetime, *, online: bool) -> datetime:
        """Patients book at least the lead time ahead; reception may book any future time."""
        now = aware(now)
        return later_by(now, self.lead_time) if online else now.astimezone(UTC)

    def change_deadline(self, start: datetime) -> datetime:
        """The last moment a patient may move or cancel a visit starting at `start` online."""
        return instant(start) - self.cancellation_notice

    def last_day(self, now: datetime) -> date:
        """The last local day on which an appointment may take place."""
        return local_date(now) + timedelta(days=self.horizon_days)


# --- time ------------------------------------------------------------------------------------


def clinic_zone() -> ZoneInfo:
    return timezone.get_default_timezone()


def local_date(moment: datetime) -> date:
    return moment.astimezone(clinic_zone()).date()


def aware(moment: datetime) -> datetime:
    """The moment itself; a naive datetime is refused (it could mean two different instants)."""
    if timezone.is_naive(moment):
        raise SlotUnavailable(
            _("That time has no time zone, so it is not clear when it is. Please choose again.")
        )
    return moment


def instant(moment: datetime) -> datetime:
    """The same moment in UTC: what the engine compares and stores.

    Python never finds a time in the repeated autumn hour *equal* to the same moment in another
    zone (PEP 495), so the engine compares instants in UTC only.
    """
    if not exists_on_the_clock(aware(moment)):
        raise SlotUnavailable(
            _("That time does not exist: the clocks go forward then. Please choose another time.")
        )
    return moment.astimezone(UTC)


def later_by(moment: datetime, duration: timedelta) -> datetime:
    """`moment` + `duration` in real time (UTC), whatever zone `moment` carries.

    Adding a timedelta to a datetime in the clinic's zone adds wall-clock time: across a
    daylight-saving change that is an hour more or less than the duration.
    """
    return instant(moment) + duration


def end_of(start: datetime, minutes: int) -> datetime:
    return later_by(start, timedelta(minutes=minutes))


def exists_on_the_clock(moment: datetime) -> bool:
    """False for a wall-clock time in the hour a spring change skips (02:30 in Berlin).

    Python gives such a time an instant anyway (an hour later), which would book the patient at a
    time other than the one they chose.
    """
    zone = moment.tzinfo
    back = moment.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None, fold=0) == moment.replace(tzinfo=None, fold=0)


# --- a course --------------------------------------------------------------------------------


class Timed(Shape):
    """What the timing rules need of a visit: an appointment, a proposed visit, an opening."""

    @property
    def sequence(self) -> int: ...

    @property
    def start(self) -> datetime: ...


@dataclass(frozen=True, order=True)
class Visit:
    """A visit placed in the calendar: visit `sequence` of a course at `start` with a clinician.

    The planner proposes these, `free_start_times()` lists them (as openings for the visit it was
    asked about) and `plan_book()` books them.
    """

    sequence: int
    start: datetime
    clinician_id: int
    minutes: int

    @property
    def kind(self) -> str:
        return visit_kind(self.sequence)

    @property
    def is_preparation(self) -> bool:
        return self.sequence == PREPARATION_SEQUENCE

    @property
    def end(self) -> datetime:
        return end_of(self.start, self.minutes)

    @property
    def day(self) -> date:
        return local_date(self.start)


def visit_label(sequence: int) -> str:
    if sequence == PREPARATION_SEQUENCE:
        return _("the preparation visit")
    return _("session %(number)s") % {"number": sequence}


def expected_sequences(protocol: Protocol) -> list[int]:
    first = PREPARATION_SEQUENCE if protocol.is_autologous else 1
    return list(range(first, protocol.session_count + 1))


def visit_kind(sequence: int) -> str:
    if sequence == PREPARATION_SEQUENCE:
        return AppointmentKind.PREPARATION
    return AppointmentKind.SESSION


def days_between_bounds(protocol: Protocol, earlier: int, later: int) -> tuple[int, int | None]:
    """The fewest and most local days between visits `earlier` and `later` when no visit of the
    course between them remains (None: no limit).

    The preparation visit only needs the lab's lead time before the first session that remains
    (after it the exosomes wait for the patient). Between sessions: the minimum once, the
    maximum per step (see the module docstring).
    """
    if earlier == PREPARATION_SEQUENCE:
        return protocol.lab_lead_days, None
    return protocol.min_interval_days, (later - earlier) * protocol.max_interval_days


def next_day_window(protocol: Protocol, sequence: int, day: date) -> tuple[date, date | None]:
    """The local days on which visit `sequence` + 1 may fall when visit `sequence` is on `day`."""
    fewest, most = days_between_bounds(protocol, sequence, sequence + 1)
    return day + timedelta(days=fewest), None if most is None else day + timedelta(days=most)


def day_window_between(
    protocol: Protocol,
    previous: Timed | None,
    following: Timed | None,
    *,
    sequence: int | None = None,
) -> tuple[date | None, date | None]:
    """The local days visit `sequence` may move to, given the remaining visits around it.

    `previous` and `following` are the nearest visits of the course that remain (not cancelled)
    before and after it; appointments can be passed as they are. `sequence` defaults to the step
    right after `previous` (or before `following`); pass it when a cancelled visit lies between.
    """
    if sequence is None:
        sequence = previous.sequence + 1 if previous is not None else following.sequence - 1
    earliest: date | None = None
    latest: date | None = None
    if previous is not None:
        fewest, most = days_between_bounds(protocol, previous.sequence, sequence)
        day = local_date(previous.start)
        earliest = day + timedelta(days=fewest)
        latest = None if most is None else day + timedelta(days=most)
    if following is not None:
        fewest, most = days_between_bounds(protocol, sequence, following.sequence)
        day = local_date(following.start)
        latest_from_next = day - timedelta(days=fewest)
        latest = latest_from_next if latest is None else min(latest, latest_from_next)
        if most is not None:
            earliest_from_next = day - timedelta(days=most)
            earliest = earliest_from_next if earliest is None else max(earliest, earliest_from_next)
    return earliest, latest


def day_window_for(
    protocol: Protocol, *, sequence: int, others: Iterable[Timed]
) -> tuple[date | None, date | None]:
    """The local days visit `sequence` may move to, given the plan's other remaining visits."""
    others = [visit for visit in others if visit.sequence != sequence]
    before = [visit for visit in others if visit.sequence < sequence]
    after = [visit for visit in others if visit.sequence > sequence]
    return day_window_between(
        protocol,
        max(before, key=lambda visit: visit.sequence, default=None),
        min(after, key=lambda visit: visit.sequence, default=None),
        sequence=sequence,
    )


def timing_problems(protocol: Protocol, visits: Iterable[Timed]) -> list[str]:
    """Every broken timing rule of the remaining visits of a course, in words a patient reads.

    Consecutive remaining visits are compared (with a cancelled one between them, by the rules in
    the module docstring); that keeps every rule between any two of them, as the bounds add up.
    """
    ordered: Sequence[Timed] = sorted(visits, key=lambda visit: visit.sequence)
    problems = []
    for earlier, later in pairwise(ordered):
        if later.start <= earlier.start:
            problems.append(
                _("%(later)s must come after %(earlier)s.")
                % {"later": visit_label(later.sequence), "earlier": visit_label(earlier.sequence)}
            )
            continue
        gap = (local_date(later.start) - local_date(earlier.start)).days
        fewest, most = days_between_bounds(protocol, earlier.sequence, later.sequence)
        words = {
            "later": visit_label(later.sequence).capitalize(),
            "earlier": visit_label(earlier.sequence),
            "minimum": fewest,
            "maximum": most,
            "gap": gap,
        }
        if gap < fewest:
            if earlier.sequence == PREPARATION_SEQUENCE:
                message = ngettext(
                    "%(later)s must be at least %(minimum)s day after the preparation visit, "
                    "so the lab has time to prepare your exosomes.",
                    "%(later)s must be at least %(minimum)s days after the preparation visit, "
                    "so the lab has time to prepare your exosomes.",
                    fewest,
                )
            else:
                message = ngettext(
                    "%(later)s must be at least %(minimum)s day after %(earlier)s; "
                    "these are %(gap)s days apart.",
                    "%(later)s must be at least %(minimum)s days after %(earlier)s; "
                    "these are %(gap)s days apart.",
                    fewest,
                )
            problems.append(message % words)
        elif most is not None and gap > most:
            problems.append(
                _(
                    "%(later)s must be at most %(maximum)s days after %(earlier)s; "
                    "these are %(gap)s days apart."
                )
                % words
            )
    return problems


def course_problems(protocol: Protocol, visits: Iterable[Timed]) -> list[str]:
    """Timing problems, plus a course that is not exactly the protocol's visits."""
    visits = list(visits)
    expected = expected_sequences(protocol)
    given = sorted(visit.sequence for visit in visits)
    kinds_match = all(
        getattr(visit, "kind", visit_kind(visit.sequence)) == visit_kind(visit.sequence)
        for visit in visits
    )
    if given != expected or not kinds_match:
        count = protocol.session_count
        if protocol.is_autologous:
            return [
                ngettext(
                    "This course is a preparation visit and %(count)s session.",
                    "This course is a preparation visit and %(count)s sessions.",
                    count,
                )
                % {"count": count}
            ]
        return [
            ngettext(
                "This course is %(count)s session.", "This course is %(count)s sessions.", count
            )
            % {"count": count}
        ]
    return timing_problems(protocol, visits)


def visit_title(
    *, sequence: int, session_count: int, preparation_name: str = "", kind: str = ""
) -> str:
    """ "Session 2 of 3" or "Preparation visit (blood draw)": how reception and patients name it.

    The one place pages, emails, calendar files and the admin name a visit. A course of one
    session has no "Session 1 of 1": its only session is simply "Session".
    """
    if kind == AppointmentKind.CONSULTATION:
        return _("Consultation")
    if kind == AppointmentKind.PREPARATION or sequence == PREPARATION_SEQUENCE:
        if preparation_name:
            return _("Preparation visit (%(what)s)") % {"what": preparation_name}
        return _("Preparation visit")
    if session_count == 1:
        return _("Session")
    return _("Session %(number)s of %(count)s") % {"number": sequence, "count": session_count}


def appointment_title(appointment: Appointment) -> str:
    """The visit's title; needs `plan__protocol` loaded to stay one query per page."""
    protocol = appointment.plan.protocol
    if protocol is None or appointment.kind == AppointmentKind.CONSULTATION:
        return visit_title(kind=AppointmentKind.CONSULTATION, sequence=1, session_count=1)
    return visit_title(
        kind=appointment.kind,
        sequence=appointment.sequence,
        session_count=protocol.session_count,
        preparation_name=str(protocol.preparation_name),
    )
