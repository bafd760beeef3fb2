"""The online channel's workflows around the engine: the patient's own changes by manage link.

Placing a booking (hold, then confirm) is the engine's `booking_place()` (engine.placing); the
views call it with the session's proposal and send the confirmation email after the commit
(`notify.booking_emails.plan_notify_booked`). What stays here: the patient's busy times (kept out
of a proposal, never shown), giving back a hold the patient walked away from, and moving or
cancelling from the manage link, each followed by the patient's email.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.engine.errors import InvalidPlanState
from bookings.engine.services import (
    appointment_cancel,
    appointment_reschedule,
    plan_cancel,
)
from bookings.engine.tokens import manage_link_create, manage_links_revoke
from bookings.models import (
    Appointment,
    AppointmentStatus,
    Plan,
    PlanKind,
    PlanStatus,
)
from bookings.notify.booking_emails import (
    calendar_attachment,
    manage_url,
    plan_visits,
)
from bookings.notify.emails import Attachment, email_patient
from bookings.notify.ics import cancellation_calendar


def patient_busy_times(
    *, email: str, date_of_birth: str | date, except_plan_id: int | None = None
) -> list[tuple[datetime, datetime]]:
    """When a returning patient (same email and date of birth) is already booked.

    Only used to keep a new proposal clear of those times (the engine refuses an overlap);
    never shown, like everything else of an existing record.
    """
    return list(
        Appointment.objects.blocking(timezone.now())
        .filter(plan__patient__email__iexact=email, plan__patient__date_of_birth=date_of_birth)
        .exclude(plan_id=except_plan_id)
        .values_list("start", "end")
    )


def booking_release(*, plan_id: int) -> None:
    """Give back the times of a held plan the patient walked away from (no error if gone)."""
    plan = Plan.objects.filter(pk=plan_id, status=PlanStatus.HELD).first()
    if plan is None:
        return
    # It may have run out or moved on in the meantime: then nothing is held any more.
    with suppress(InvalidPlanState):
        # online=False: this frees our own hold; the cancellation notice is for real visits.
        plan_cancel(plan=plan, online=False)


def holds_release_for_email(*, email: str, keep_proposal_id: str) -> None:
    """One email holds at most one course at a time, whatever the rate limits' cache does.

    Called before a new hold: earlier held, not yet confirmed plans under this email give their
    times back (so the same times can be chosen again), except the course this page proposed. A
    script cycling through sessions cannot block the calendar with one address. Two holds under
    one email at the very same moment may both stand until the next one (kept to one query, the
    hold page's budget).
    """
    held = Plan.objects.filter(status=PlanStatus.HELD, patient__email__iexact=email.strip())
    for plan_id in list(held.exclude(proposal_id=keep_proposal_id).values_list("pk", flat=True)):
        booking_release(plan_id=plan_id)


def _notify_change(
    *,
    plan: Plan,
    token: str,
    base_url: str,
    template: str,
    changed: Sequence[Appointment],
) -> None:
    appointments = plan_visits(plan)
    cancelled = [a for a in changed if a.status == AppointmentStatus.CANCELLED]
    attachments = [calendar_attachment(plan, appointments)]
    if cancelled:
        attachments.append(
            Attachment(
                filename="cancelled-visits.ics",
                content=cancellation_calendar(plan, cancelled),
                content_type="text/calendar",
            )
        )
    email_patient(
        patient=plan.patient,
        plan=plan,
        template=template,
        context={
            # A consultation's visits are named "Consultation", not a session of the course.
            "protocol": None if plan.kind == PlanKind.CONSULTATION else plan.protocol,
            "currency": settings.CLINIC_CURRENCY,
            "appointments": [a for a in appointments if a.is_active],
            "changed": list(changed),
            "plan_cancelled": plan.status == PlanStatus.CANCELLED,
            "manage_url": manage_url(
                base_url=base_url, token=token, language=plan.patient.preferred_language
            ),
        },
        attachments=attachments,
    )


def appointment_move_online(
    *,
    appointment: Appointment,
    new_start: datetime,
    clinician_id: int,
    token: str,
    base_url: str,
) -> Appointment:
    """Move a visit (the engine keeps the course rules), then email the updated calendar."""
    from bookings.models import Clinician

    moved = appointment_reschedule(
        appointment=appointment,
        new_start=new_start,
        clinician=Clinician.objects.get(pk=clinician_id),
    )
    plan = Plan.objects.select_related("patient", "protocol").get(pk=moved.plan_id)
    with transaction.atomic():
        _notify_change(
            plan=plan,
            token=token,
            base_url=base_url,
            template="booking_changed",
            changed=[Appointment.objects.get(pk=moved.pk)],
        )
    return moved


def appointment_cancel_online(*, appointment: Appointment, token: str, base_url: str) -> Plan:
    """Cancel one session, then email the cancellation and the updated calendar."""
    before = set(
        Appointment.objects.filter(plan_id=appointment.plan_id)
        .active()
        .values_list("pk", flat=True)
    )
    appointment_cancel(appointment=appointment)
    plan = Plan.objects.select_related("patient", "protocol").get(pk=appointment.plan_id)
    # Cancelling the last session also cancels a preparation visit still to come.
    changed = list(
        Appointment.objects.filter(pk__in=before, status=AppointmentStatus.CANCELLED).order_by(
            "sequence"
        )
    )
    with transaction.atomic():
        _notify_change(
            plan=plan, token=token, base_url=base_url, template="booking_cancelled", changed=changed
        )
    return plan


def plan_cancel_online(*, plan: Plan, token: str, base_url: str) -> Plan:
    """Cancel the whole course, then email the cancellation for every visit it freed."""
    before = set(plan.appointments.active().values_list("pk", flat=True))
    plan_cancel(plan=plan)
    plan = Plan.objects.select_related("patient", "protocol").get(pk=plan.pk)
    changed = list(
        Appointment.objects.filter(pk__in=before, status=AppointmentStatus.CANCELLED).order_by(
            "sequence"
        )
    )
    with transaction.atomic():
        _notify_change(
            plan=plan, token=token, base_url=base_url, template="booking_cancelled", changed=changed
        )
    return plan


def manage_link_resend(*, email: str, base_url: str, now: datetime | None = None) -> int:
    """A new link for each open plan of this email address; the old links stop working.

    Returns how many were sent. The caller shows the same answer whatever this returns, so the
    page does not tell a stranger whether an address is a patient's.
    """
    now = now or timezone.now()
    plans = list(
        Plan.objects.filter(
            patient__email__iexact=email.strip(),
            status__in=(PlanStatus.CONFIRMED, PlanStatus.AWAITING_REVIEW),
            appointments__end__gt=now,
        )
        .select_related("patient", "protocol")
        .distinct()
    )
    for plan in plans:
        with transaction.atomic():
            manage_links_revoke(plan=plan, now=now)
            token = manage_link_create(plan=plan)
            email_patient(
                patient=plan.patient,
                plan=plan,
                template="manage_link",
                context={
                    "protocol": plan.protocol,
                    "appointments": [a for a in plan_visits(plan) if a.is_active],
                    "currency": settings.CLINIC_CURRENCY,
                    "manage_url": manage_url(
                        base_url=base_url,
                        token=token,
                        language=plan.patient.preferred_language,
                    ),
                },
            )
    return len(plans)
