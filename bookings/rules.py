"""The clinic's booking rules (from settings) and a course's timing rules.

Course timing is counted in calendar days in the clinic's time zone: "21 days after" means the
local date is 21 days later, whatever the time of day or a daylight-saving change in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.models import AppointmentKind
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
        return now + self.lead_time if online else now

    def last_day(self, now: datetime) -> date:
        """The last local day on which an appointment may take place."""
        return local_date(now) + timedelta(days=self.horizon_days)


def clinic_zone() -> ZoneInfo:
    return timezone.get_default_timezone()


def local_date(moment: datetime) -> date:
    return moment.astimezone(clinic_zone()).date()


@dataclass(frozen=True)
class Visit:
    """An appointment of a course, as far as the timing rules care."""

    kind: str
    sequence: int
    start: datetime

    @property
    def day(self) -> date:
        return local_date(self.start)


def visit_label(sequence: int) -> str:
    if sequence == 0:
        return _("the preparation visit")
    return _("session %(number)s") % {"number": sequence}


def expected_sequences(protocol: Protocol) -> list[int]:
    first = 0 if protocol.is_autologous else 1
    return list(range(first, protocol.session_count + 1))


def visit_kind(sequence: int) -> str:
    return AppointmentKind.PREPARATION if sequence == 0 else AppointmentKind.SESSION


def next_day_window(protocol: Protocol, sequence: int, day: date) -> tuple[date, date | None]:
    """The local days on which the visit after visit `sequence` on `day` may fall.

    None as the upper bound: no limit (after the lab's lead time, the exosomes wait for the
    patient).
    """
    if sequence == 0:
        return day + timedelta(days=protocol.lab_lead_days), None
    return (
        day + timedelta(days=protocol.min_interval_days),
        day + timedelta(days=protocol.max_interval_days),
    )


def day_window_between(
    protocol: Protocol, previous: Visit | None, following: Visit | None
) -> tuple[date | None, date | None]:
    """The local days a visit may move to, given its neighbours in the course."""
    earliest: date | None = None
    latest: date | None = None
    if previous is not None:
        earliest, latest = next_day_window(protocol, previous.sequence, previous.day)
    if following is not None:
        if following.sequence == 1:
            latest_from_next = following.day - timedelta(days=protocol.lab_lead_days)
            earliest_from_next = None
        else:
            latest_from_next = following.day - timedelta(days=protocol.min_interval_days)
            earliest_from_next = following.day - timedelta(days=protocol.max_interval_days)
        latest = latest_from_next if latest is None else min(latest, latest_from_next)
        if earliest_from_next is not None:
            earliest = earliest_from_next if earliest is None else max(earliest, earliest_from_next)
    return earliest, latest


def timing_problems(protocol: Protocol, visits: Iterable[Visit]) -> list[str]:
    """Every broken timing rule between neighbouring visits, in words a patient understands.

    Only neighbours in sequence are compared (a cancelled session leaves a gap that is not
    judged), and all visits must be in sequence order.
    """
    ordered = sorted(visits, key=lambda visit: visit.sequence)
    problems = []
    for earlier, later in pairwise(ordered):
        if later.start <= earlier.start:
            problems.append(
                _("%(later)s must come after %(earlier)s.")
                % {"later": visit_label(later.sequence), "earlier": visit_label(earlier.sequence)}
            )
            continue
        if later.sequence != earlier.sequence + 1:
            continue
        gap = (later.day - earlier.day).days
        first_day, last_day = next_day_window(protocol, earlier.sequence, earlier.day)
        minimum = (first_day - earlier.day).days
        if gap < minimum:
            if earlier.sequence == 0:
                message = ngettext(
                    "Session 1 must be at least %(minimum)s day after the preparation visit, "
                    "so the lab has time to prepare your exosomes.",
                    "Session 1 must be at least %(minimum)s days after the preparation visit, "
                    "so the lab has time to prepare your exosomes.",
                    minimum,
                )
            else:
                message = ngettext(
                    "%(later)s must be at least %(minimum)s day after %(earlier)s; "
                    "these are %(gap)s days apart.",
                    "%(later)s must be at least %(minimum)s days after %(earlier)s; "
                    "these are %(gap)s days apart.",
                    minimum,
                )
            problems.append(
                message
                % {
                    "later": visit_label(later.sequence).capitalize(),
                    "earlier": visit_label(earlier.sequence),
                    "minimum": minimum,
                    "gap": gap,
                }
            )
        elif last_day is not None and later.day > last_day:
            maximum = (last_day - earlier.day).days
            problems.append(
                _(
                    "%(later)s must be at most %(maximum)s days after %(earlier)s; "
                    "these are %(gap)s days apart."
                )
                % {
                    "later": visit_label(later.sequence).capitalize(),
                    "earlier": visit_label(earlier.sequence),
                    "maximum": maximum,
                    "gap": gap,
                }
            )
    return problems


def course_problems(protocol: Protocol, visits: Iterable[Visit]) -> list[str]:
    """Timing problems, plus a course that is not exactly the protocol's visits."""
    visits = list(visits)
    expected = expected_sequences(protocol)
    given = sorted(visit.sequence for visit in visits)
    if given != expected or any(visit.kind != visit_kind(visit.sequence) for visit in visits):
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
