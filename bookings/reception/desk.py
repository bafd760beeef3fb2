"""What the front desk may do with a visit now, and how a visit's state is named and coloured.

One home for the desk's rules: the reception services (`bookings.reception`) call the same
checks before they write, and the calendar, the visit panel and the appointment page offer only
the actions these checks allow. A refusal is a sentence the desk can read out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.engine.rules import local_date
from bookings.models import Appointment, AppointmentStatus, PlanStatus

# --- states as the desk reads them ----------------------------------------------------------

# A visit's state on the calendar: the appointment's own status, except that a booked visit of a
# course that is not confirmed (awaiting a clinician's review, or a hold being completed online)
# is not "booked" yet: it must not be counted or treated as a firm appointment.
AWAITING_REVIEW = "awaiting_review"
HELD = "held"
# A held course that is an open waitlist offer: the time is being offered to a waiting patient.
# Only the calendar tells it apart (it loads the offer with the visit, see `calendar.py`).
OFFERED = "offered"

STATE_LABELS = {
    AppointmentStatus.BOOKED.value: gettext_lazy("Booked"),
    AWAITING_REVIEW: gettext_lazy("Awaiting review"),
    HELD: gettext_lazy("Held (being booked)"),
    OFFERED: gettext_lazy("Offered from the waitlist"),
    AppointmentStatus.CHECKED_IN.value: gettext_lazy("Arrived"),
    AppointmentStatus.IN_TREATMENT.value: gettext_lazy("In treatment"),
    AppointmentStatus.COMPLETED.value: gettext_lazy("Done"),
    AppointmentStatus.NO_SHOW.value: gettext_lazy("No-show"),
    AppointmentStatus.CANCELLED.value: gettext_lazy("Cancelled"),
}

# Text and background of each state's block, per admin theme. `static/bookings/calendar.css`
# uses exactly these pairs; a test checks each pair for WCAG AA contrast (4.5:1).
STATE_COLOURS: dict[str, dict[str, tuple[str, str]]] = {
    "light": {
        "booked": ("#0b3d66", "#dcecfb"),
        "awaiting_review": ("#5c3b00", "#fff1c7"),
        "held": ("#4a4a4a", "#eeeeee"),
        "offered": ("#00525c", "#d6f3f5"),
        "checked_in": ("#0b4d1e", "#d4f1dc"),
        "in_treatment": ("#4b1670", "#ecdcf8"),
        "completed": ("#1e3b22", "#e4ece5"),
        "no_show": ("#7a0f0f", "#fbe0e0"),
        "cancelled": ("#4a4a4a", "#f2f2f2"),
    },
    "dark": {
        "booked": ("#cfe6ff", "#14314d"),
        "awaiting_review": ("#ffe6a3", "#4a3500"),
        "held": ("#e0e0e0", "#3a3a3a"),
        "offered": ("#c8f4f8", "#0f3d42"),
        "checked_in": ("#c9f5d5", "#11411f"),
        "in_treatment": ("#ead6ff", "#3b1859"),
        "completed": ("#d9e8db", "#26352a"),
        "no_show": ("#ffd2d2", "#5a1414"),
        "cancelled": ("#d0d0d0", "#333333"),
    },
}


def visit_state(appointment: Appointment) -> str:
    """The state the desk sees; needs `plan` loaded (the calendar selects it with the visit)."""
    if appointment.status == AppointmentStatus.BOOKED:
        if appointment.plan.status == PlanStatus.AWAITING_REVIEW:
            return AWAITING_REVIEW
        if appointment.plan.status == PlanStatus.HELD:
            return HELD
    return appointment.status


def visit_state_label(appointment: Appointment) -> str:
    label = STATE_LABELS.get(visit_state(appointment))
    # Not as get()'s default: get_FOO_display() builds the whole choices dict on every call.
    return str(label) if label is not None else appointment.get_status_display()


def counts_as_booked_revenue(appointment: Appointment) -> bool:
    """A firm visit of a confirmed (or finished) course: what accounting may count as booked."""
    return visit_state(appointment) not in (AWAITING_REVIEW, HELD) and appointment.status not in (
        AppointmentStatus.CANCELLED,
        AppointmentStatus.NO_SHOW,
    )


def late_after() -> timedelta:
    return timedelta(minutes=settings.RECEPTION_LATE_MINUTES)


def no_show_grace() -> timedelta:
    return timedelta(minutes=settings.RECEPTION_NO_SHOW_GRACE_MINUTES)


def is_late(appointment: Appointment, now: datetime) -> bool:
    """Booked, confirmed, not arrived, and the start plus the late margin has passed today."""
    return (
        visit_state(appointment) == AppointmentStatus.BOOKED
        and appointment.start + late_after() <= now
        and local_date(appointment.start) == local_date(now)
    )


# --- what may be done now ---------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether an action is possible now, and if not, why (a sentence for the desk)."""

    allowed: bool
    reason: str = ""


OK = Verdict(True)


def _no(reason: str) -> Verdict:
    return Verdict(False, reason)


def _status(status: str) -> dict[str, str]:
    return {"status": str(AppointmentStatus(status).label)}


def _plan(plan_status: str) -> dict[str, str]:
    return {"status": str(PlanStatus(plan_status).label)}


def check_in_verdict(*, status: str, plan_status: str, start: datetime, now: datetime) -> Verdict:
    if status != AppointmentStatus.BOOKED:
        return _no(
            _("Only a booked visit can be checked in; this visit's status is “%(status)s”.")
            % _status(status)
        )
    if plan_status != PlanStatus.CONFIRMED:
        return _no(
            _(
                "This course is not confirmed (its status is “%(status)s”), so the visit "
                "cannot take place yet."
            )
            % _plan(plan_status)
        )
    if local_date(start) != local_date(now):
        return _no(_("Only today's visits can be checked in."))
    return OK


def in_treatment_verdict(*, status: str) -> Verdict:
    if status != AppointmentStatus.CHECKED_IN:
        return _no(_("Only a patient who has arrived can go into treatment."))
    return OK


def complete_verdict(*, status: str) -> Verdict:
    if status not in (AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_TREATMENT):
        return _no(
            _("Only a checked-in visit can be completed; this visit's status is “%(status)s”.")
            % _status(status)
        )
    return OK


def no_show_verdict(*, status: str, plan_status: str, start: datetime, now: datetime) -> Verdict:
    if status != AppointmentStatus.BOOKED:
        return _no(
            _(
                "Only a booked visit can be marked as a no-show; this visit's status is "
                "“%(status)s”."
            )
            % _status(status)
        )
    if plan_status != PlanStatus.CONFIRMED:
        return _no(
            _(
                "This course is not confirmed (its status is “%(status)s”), so the visit "
                "cannot be marked as a no-show."
            )
            % _plan(plan_status)
        )
    if local_date(start) > local_date(now):
        return _no(_("A visit on a later day cannot be marked as a no-show yet."))
    if now < start + no_show_grace():
        return _no(
            _("A no-show can be recorded from %(minutes)s minutes after the start on.")
            % {"minutes": settings.RECEPTION_NO_SHOW_GRACE_MINUTES}
        )
    return OK


def undo_no_show_verdict(
    *, status: str, plan_status: str, start: datetime, now: datetime
) -> Verdict:
    if status != AppointmentStatus.NO_SHOW:
        return _no(_("This visit is not marked as a no-show."))
    if plan_status != PlanStatus.CONFIRMED:
        return _no(_("The course is closed; ask a clinic manager."))
    if local_date(now) != local_date(start):
        return _no(_("A no-show can only be undone on the day of the visit."))
    return OK


def change_verdict(*, status: str, plan_status: str, start: datetime, now: datetime) -> Verdict:
    """Move or cancel by the clinic: the engine's `_require_changeable` with `online=False`."""
    if status != AppointmentStatus.BOOKED or plan_status not in (
        PlanStatus.HELD,
        PlanStatus.AWAITING_REVIEW,
        PlanStatus.CONFIRMED,
    ):
        return _no(_("Only a booked visit can be moved or cancelled."))
    if start <= now:
        return _no(_("This appointment has already started or passed."))
    return OK


def reminder_verdict(*, status: str, plan_status: str, start: datetime, now: datetime) -> Verdict:
    if status != AppointmentStatus.BOOKED or plan_status != PlanStatus.CONFIRMED:
        return _no(_("Reminders go only to booked visits of confirmed courses."))
    if start <= now:
        return _no(_("This appointment has already started or passed."))
    return OK


ACTION_LABELS = {
    "check_in": gettext_lazy("Check in"),
    "in_treatment": gettext_lazy("In treatment"),
    "complete": gettext_lazy("Complete"),
    "no_show": gettext_lazy("No-show"),
    "undo_no_show": gettext_lazy("Undo no-show"),
    "move": gettext_lazy("Move"),
    "cancel": gettext_lazy("Cancel…"),
    "remind": gettext_lazy("Send the reminder now"),
}


def visit_verdicts(appointment: Appointment, now: datetime) -> dict[str, Verdict]:
    """Every desk action and whether it is possible now (needs `plan` loaded)."""
    facts = {
        "status": appointment.status,
        "plan_status": appointment.plan.status,
        "start": appointment.start,
        "now": now,
    }
    return {
        "check_in": check_in_verdict(**facts),
        "in_treatment": in_treatment_verdict(status=appointment.status),
        "complete": complete_verdict(status=appointment.status),
        "no_show": no_show_verdict(**facts),
        "undo_no_show": undo_no_show_verdict(**facts),
        "move": change_verdict(**facts),
        "cancel": change_verdict(**facts),
        "remind": reminder_verdict(**facts),
    }
