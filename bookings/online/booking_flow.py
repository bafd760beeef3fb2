"""Online booking workflows around the engine in `bookings.engine.services`.

The engine's services each run in their own (durable) transaction, so nothing here wraps them in
another one. What the patient adds — screening answers, consent, the manage link, the emails — is
written by the functions below in transactions of their own, each idempotent, in an order that
keeps a crash or a double submission harmless:

1. `booking_hold()` — find or create the patient, then `plan_book(hold=True)`;
2. `booking_complete()` — store answers and consent on the held plan (once), then
   `plan_confirm()` or `plan_request_review()`, then `plan_notify_booked()`;
3. `plan_notify_booked()` — the manage link and the confirmation email, written together and
   only if the plan has no manage link yet: a second submission sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.engine.errors import InvalidPlanState
from bookings.engine.planner import ProposedVisit
from bookings.engine.screening import AnsweredQuestion, screening_answers_save, screening_outcome
from bookings.engine.services import (
    appointment_cancel,
    appointment_reschedule,
    plan_book,
    plan_cancel,
    plan_confirm,
    plan_request_review,
)
from bookings.engine.tokens import manage_link_create, manage_links_revoke
from bookings.models import (
    Appointment,
    AppointmentStatus,
    ConsentText,
    Patient,
    Plan,
    PlanStatus,
    ScreeningOutcome,
)
from bookings.notify.booking_emails import (
    calendar_attachment,
    manage_url,
    plan_notify_booked,
    plan_visits,
)
from bookings.notify.emails import Attachment, email_patient
from bookings.notify.ics import cancellation_calendar
from treatments.models import Protocol


@dataclass(frozen=True)
class PatientDetails:
    full_name: str
    email: str
    phone: str
    date_of_birth: date
    preferred_language: str


def patient_find_or_create(*, details: PatientDetails) -> tuple[Patient, bool]:
    """A returning patient (same email and date of birth) keeps their record.

    Nothing of that record is changed except the language for emails, and nothing of it is ever
    shown: a stranger who knows someone's email and birthday learns nothing from booking.
    """
    existing = (
        Patient.objects.filter(email__iexact=details.email, date_of_birth=details.date_of_birth)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        if existing.preferred_language != details.preferred_language:
            existing.preferred_language = details.preferred_language
            existing.save(update_fields=["preferred_language"])
        return existing, False
    patient = Patient.objects.create(
        full_name=details.full_name,
        email=details.email,
        phone=details.phone,
        date_of_birth=details.date_of_birth,
        preferred_language=details.preferred_language,
    )
    return patient, True


def booking_hold(
    *,
    details: PatientDetails,
    protocol: Protocol,
    visits: Sequence[ProposedVisit],
    now: datetime | None = None,
) -> Plan:
    """Hold the course for the patient. On any booking error nothing is left behind."""
    patient, created = patient_find_or_create(details=details)
    try:
        return plan_book(patient=patient, protocol=protocol, visits=visits, hold=True, now=now)
    except Exception:
        if created and not patient.plans.exists():
            patient.delete()
        raise


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


def booking_complete(
    *,
    plan: Plan,
    answers: Sequence[AnsweredQuestion],
    consent_text: ConsentText,
    language: str,
    base_url: str,
    now: datetime | None = None,
) -> Plan:
    """Finish an online booking; safe to call twice for the same plan (one plan, one email)."""
    now = now or timezone.now()
    _record_screening_and_consent(
        plan=plan, answers=answers, consent_text=consent_text, language=language, now=now
    )
    needs_review = screening_outcome(answers) == ScreeningOutcome.REVIEW
    try:
        transition = plan_request_review if needs_review else plan_confirm
        plan = transition(plan=plan)
    except InvalidPlanState:
        current = Plan.objects.get(pk=plan.pk)
        if current.status not in (PlanStatus.CONFIRMED, PlanStatus.AWAITING_REVIEW):
            raise  # e.g. the hold ran out
        plan = current  # a second submission of the same confirmation: already done
    plan_notify_booked(plan=plan, base_url=base_url)
    return plan


def _record_screening_and_consent(
    *,
    plan: Plan,
    answers: Sequence[AnsweredQuestion],
    consent_text: ConsentText,
    language: str,
    now: datetime,
) -> None:
    with transaction.atomic():
        # The engine's plan lock: FOR NO KEY UPDATE of the plan row only (bookings.engine.services).
        locked = Plan.objects.select_for_update(no_key=True, of=("self",)).get(pk=plan.pk)
        if locked.status != PlanStatus.HELD or locked.consent_text_id is not None:
            return
        if locked.hold_expires_at is None or locked.hold_expires_at <= now:
            # The times are gone (the engine refuses the confirmation next): health answers and a
            # consent must not be stored on a course that is never booked — they would outlive it
            # and make the guest look like one who completed a booking (privacy retention).
            raise InvalidPlanState(
                _("The times held for this course ran out. Please choose times again.")
            )
        screening_answers_save(plan=locked, snapshot=answers)
        locked.consent_text = consent_text
        locked.consented_at = now
        locked.consent_language = language
        locked.save(update_fields=["consent_text", "consented_at", "consent_language"])


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
            "protocol": plan.protocol,
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
                    "currency": settings.CLINIC_CURRENCY,
                    "manage_url": manage_url(
                        base_url=base_url,
                        token=token,
                        language=plan.patient.preferred_language,
                    ),
                },
            )
    return len(plans)
