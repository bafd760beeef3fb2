"""Reception's workflows on the day: check in, complete, no-show, and cancelling for the clinic.

The status changes follow the booking services' pattern: one transaction that locks the plan
(the first lock every booking workflow takes, so these queue behind a booking but never
deadlock with one), re-reads the appointment under the lock, checks that its state allows the
change, and writes. A refusal raises a `BookingError` whose message the admin shows as it is.

Moving and cancelling visits are the engine's (`engine.services`, called with `online=False`);
this module only adds the email the patient gets when the clinic cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.engine import services
from bookings.engine.errors import InvalidPlanState, SlotTaken
from bookings.engine.locks import booking_transaction, lock_appointment
from bookings.engine.placing import plan_require_consent
from bookings.engine.tokens import manage_link_create
from bookings.models import (
    Appointment,
    AppointmentStatus,
    Clinician,
    OutgoingEmail,
    Plan,
    PlanStatus,
)
from bookings.notify.booking_emails import manage_url
from bookings.notify.emails import Attachment, email_patient
from bookings.notify.ics import cancellation_calendar, plan_calendar
from bookings.reception import desk


def appointment_check_in(*, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The patient has arrived for today's visit."""
    now = now or timezone.now()

    def check_in(plan: Plan, current: Appointment) -> None:
        _refuse_unless(
            desk.check_in_verdict(
                status=current.status, plan_status=plan.status, start=current.start, now=now
            )
        )
        # A visit is a treatment: none without the patient's consent (a phone booking may have
        # none yet). Reception records consent given in person first, then checks in.
        plan_require_consent(plan)
        current.status = AppointmentStatus.CHECKED_IN

    return _change_status(appointment, now, check_in)


def appointment_start_treatment(
    *, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """The patient who arrived is now with the clinician (the room is taken)."""
    now = now or timezone.now()

    def start(plan: Plan, current: Appointment) -> None:
        _refuse_unless(desk.in_treatment_verdict(status=current.status))
        plan_require_consent(plan)
        current.status = AppointmentStatus.IN_TREATMENT

    return _change_status(appointment, now, start)


def appointment_complete(*, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The visit took place. When nothing of the course is left to come, the plan is completed."""
    now = now or timezone.now()

    def complete(plan: Plan, current: Appointment) -> None:
        _refuse_unless(desk.complete_verdict(status=current.status))
        plan_require_consent(plan)
        current.status = AppointmentStatus.COMPLETED

    return _change_status(appointment, now, complete)


def appointment_mark_no_show(
    *, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """The patient did not come: from the start plus the grace period on, never before.

    A held course or one awaiting a clinician's review was never a firm appointment: the patient
    did not fail to come to it (and its visit must not count as one).
    """
    now = now or timezone.now()

    def no_show(plan: Plan, current: Appointment) -> None:
        _refuse_unless(
            desk.no_show_verdict(
                status=current.status, plan_status=plan.status, start=current.start, now=now
            )
        )
        current.status = AppointmentStatus.NO_SHOW

    return _change_status(appointment, now, no_show)


def appointment_undo_no_show(
    *, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """Take back a no-show on the visit's day (the patient came late, or the wrong visit).

    A no-show frees its time (`Appointment.objects.blocking`), so reception may have booked
    someone into it meanwhile. The re-check runs under the engine's lock, after the plan's row
    lock, so no booking can slip in between it and the save.
    """
    now = now or timezone.now()

    def undo(plan: Plan, current: Appointment) -> None:
        _refuse_unless(
            desk.undo_no_show_verdict(
                status=current.status, plan_status=plan.status, start=current.start, now=now
            )
        )
        if _time_given_away(current, now):
            raise SlotTaken(_("The time was booked again; move the visit instead."))
        current.status = AppointmentStatus.BOOKED

    return _change_status(appointment, now, undo)


def _time_given_away(visit: Appointment, now: datetime) -> bool:
    """Whether another blocking visit now overlaps this one's clinician or device time."""
    same_resource = Q(clinician_id=visit.clinician_id)
    if visit.device_id is not None:
        same_resource |= Q(device_id=visit.device_id)
    return (
        Appointment.objects.blocking(now)
        .filter(same_resource, start__lt=visit.end, end__gt=visit.start)
        .exclude(pk=visit.pk)
        .exists()
    )


def _refuse_unless(verdict: desk.Verdict) -> None:
    if not verdict.allowed:
        raise InvalidPlanState(verdict.reason)


def appointment_cancel_by_clinic(
    *,
    appointment: Appointment,
    base_url: str | None = None,
    now: datetime | None = None,
) -> OutgoingEmail:
    """Cancel a visit for the patient (on the phone, or the clinic's decision) and tell them.

    The cancel is the engine's own transaction (it must not run inside another one); the email
    — the same one a patient gets after cancelling online, with a calendar file that removes the
    visit and a fresh manage link — is queued right after it commits.
    """
    # The stored plan, not the caller's `plan_id`: the email must reach this visit's patient.
    plan_id = (
        Appointment.objects.filter(pk=appointment.pk).values_list("plan_id", flat=True).first()
    )
    before = set(Appointment.objects.filter(plan_id=plan_id).active().values_list("pk", flat=True))
    cancelled = services.appointment_cancel(appointment=appointment, online=False, now=now)
    # Cancelling the last session also cancels a preparation visit still to come.
    changed = list(
        Appointment.objects.filter(pk__in=before, status=AppointmentStatus.CANCELLED)
        .select_related("clinician")
        .order_by("sequence")
    )
    return _email_change(
        plan_id=cancelled.plan_id,
        template="booking_cancelled",
        changed=changed,
        base_url=base_url,
    )


def appointment_move_by_clinic(
    *,
    appointment: Appointment,
    new_start: datetime,
    clinician: Clinician | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move a visit with `appointment_reschedule(online=False)`, then email the new times."""
    moved = services.appointment_reschedule(
        appointment=appointment,
        new_start=new_start,
        clinician=clinician,
        online=False,
        now=now,
    )
    _email_change(
        plan_id=moved.plan_id, template="booking_changed", changed=[moved], base_url=base_url
    )
    return moved


def _email_change(
    *, plan_id: int, template: str, changed: list[Appointment], base_url: str | None
) -> OutgoingEmail:
    """The online booking flow's change emails (`booking_changed`, `booking_cancelled`), shared:
    the visits now, the updated calendar (and one that removes cancelled visits), a new link."""
    plan = Plan.objects.select_related("patient", "protocol").get(pk=plan_id)
    appointments = list(plan.appointments.select_related("clinician").order_by("sequence", "start"))
    cancelled = [a for a in changed if a.status == AppointmentStatus.CANCELLED]
    attachments = [Attachment("treatment-course.ics", plan_calendar(plan, appointments), _ICS)]
    if cancelled:
        attachments.append(
            Attachment("cancelled-visits.ics", cancellation_calendar(plan, cancelled), _ICS)
        )
    with transaction.atomic():
        token = manage_link_create(plan=plan)
        return email_patient(
            patient=plan.patient,
            plan=plan,
            template=template,
            context={
                "protocol": plan.protocol,
                "currency": settings.CLINIC_CURRENCY,
                "appointments": [a for a in appointments if a.is_active],
                "changed": changed,
                "plan_cancelled": plan.status == PlanStatus.CANCELLED,
                "manage_url": manage_url(
                    base_url=base_url or settings.SITE_URL,
                    token=token,
                    language=plan.patient.preferred_language,
                ),
            },
            attachments=attachments,
        )


_ICS = "text/calendar"


# --- helpers ---------------------------------------------------------------------------------


def _change_status(
    appointment: Appointment, now: datetime, change: Callable[[Plan, Appointment], None]
) -> Appointment:
    """Lock the appointment's stored plan (the engine's lock order), re-read, change, save."""

    with booking_transaction():
        plan, current = lock_appointment(appointment.pk)
        change(plan, current)
        current.save(update_fields=["status", "updated_at"])
        services.plan_complete_if_finished(plan=plan)
        return current
