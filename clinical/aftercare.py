"""Care after the visit: the follow-up after each session and the patient's answer.

`manage.py send_follow_ups` (cron, every few minutes) calls `follow_ups_send_due()`. A session is
due FOLLOW_UP_HOURS_AFTER_SESSION after it started, once it is completed (never a cancelled or
no-show visit), while its patient can still be reached (an erased patient has no email) and has
not asked for no more follow-ups. Each due session is claimed by inserting its `FollowUp` — one
per appointment, unique — in the booking engine's transaction, under the plan's lock, together
with its outbox email: two runs at once both try the insert, the database lets one through and the
other skips. Like reminders (bookings/notify/reminders.py).

The link in the email carries a random token; only its SHA-256 hash is stored. It is bound to this
purpose (it opens this session's follow-up and nothing else), expires after FOLLOW_UP_LINK_DAYS,
can be revoked (`revoked_at`), and is gone with the row when the patient's data is erased. After the
answer it still opens the page, which then shows the answer's advice again (not the form).

An answer with any sign of infection or anything severe shows the patient what to do now (the
page, `needs_action`), and becomes an urgent item on the clinician dashboard and an email to the
clinic that says only that an urgent answer is waiting — nothing medical leaves the system.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from bookings.engine.errors import NotFound
from bookings.engine.locks import booking_transaction, lock_appointment
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Clinician,
    OutgoingEmail,
    Patient,
    Plan,
    PlanStatus,
)
from bookings.notify.emails import deliver_email, email_patient
from clinical.models import (
    SYMPTOMS,
    AdverseEvent,
    CourseOutcome,
    FollowUp,
    FollowUpStop,
    TreatmentRecord,
)

logger = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def follow_ups_due(*, now: datetime) -> QuerySet[Appointment]:
    """Completed sessions whose follow-up time has come and that have none yet.

    Sessions older than the delay plus the link's lifetime are left alone: a follow-up weeks late
    (after a deployment, or an outage of the job) would ask about skin that has long healed.
    """
    delay = timedelta(hours=settings.FOLLOW_UP_HOURS_AFTER_SESSION)
    oldest = now - delay - timedelta(days=settings.FOLLOW_UP_LINK_DAYS)
    stopped = FollowUpStop.objects.filter(patient=OuterRef("plan__patient"))
    return (
        Appointment.objects.filter(
            kind=AppointmentKind.SESSION,
            status=AppointmentStatus.COMPLETED,
            start__lte=now - delay,
            start__gt=oldest,
            follow_up__isnull=True,
        )
        .exclude(plan__patient__email="")
        .exclude(Exists(stopped))
        .order_by("start")
    )


def follow_up_url(*, token: str, language: str) -> str:
    with translation.override(language):
        path = reverse("aftercare:follow-up", kwargs={"token": token})
    return f"{settings.SITE_URL}{path}"


def follow_up_send(*, appointment: Appointment, now: datetime | None = None) -> bool:
    """Claim and queue this session's follow-up. False if it is not due or already claimed."""
    now = now or timezone.now()

    with booking_transaction():
        try:
            plan, _current = lock_appointment(appointment.pk)
        except NotFound:
            return False
        current = follow_ups_due(now=now).filter(pk=appointment.pk, plan_id=plan.pk).first()
        if current is None:
            return False  # cancelled, stopped, erased, or claimed since it was listed
        token = secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                follow_up = FollowUp.objects.create(
                    appointment=current,
                    token_hash=token_hash(token),
                    sent_at=now,
                    expires_at=now + timedelta(days=settings.FOLLOW_UP_LINK_DAYS),
                )
        except IntegrityError:
            return False  # another run claimed it first
        plan = Plan.objects.select_related("patient", "protocol").get(pk=current.plan_id)
        follow_up.email = email_patient(
            patient=plan.patient,
            plan=plan,
            template="follow_up",
            context={
                "protocol_name": plan.protocol.name,
                "session_start": current.start,
                "follow_up_url": follow_up_url(
                    token=token, language=plan.patient.preferred_language
                ),
                "link_days": settings.FOLLOW_UP_LINK_DAYS,
                "after_hours_phone": settings.CLINIC_AFTER_HOURS_PHONE,
            },
        )
        follow_up.save(update_fields=["email"])
        return True


def follow_ups_send_due(*, now: datetime | None = None) -> int:
    """Queue every due follow-up; each in its own transaction, one failure never stops the rest.
    Logged by appointment id only."""
    now = now or timezone.now()
    claimed = 0
    for appointment_id in list(follow_ups_due(now=now).values_list("pk", flat=True)):
        try:
            claimed += follow_up_send(appointment=Appointment(pk=appointment_id), now=now)
        except Exception as error:
            logger.error(
                "Follow-up for appointment %s not sent this run (%s)",
                appointment_id,
                type(error).__name__,
            )
    return claimed


# --- The patient's side -------------------------------------------------------------------------


def follow_up_find(token: str, *, now: datetime | None = None) -> FollowUp | None:
    """The follow-up this link opens, if it is known, not revoked and not expired."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    follow_up = (
        FollowUp.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("appointment__plan__patient", "appointment__plan__protocol")
        .first()
    )
    if follow_up is None or follow_up.expires_at <= now:
        return None
    if follow_up.appointment.plan.patient.email == "":
        return None  # erased since
    return follow_up


class AlreadyAnswered(Exception):
    pass


def follow_up_answer(
    *, follow_up: FollowUp, answers: dict[str, str], comment: str, now: datetime | None = None
) -> FollowUp:
    """Store the patient's answer (once). Infection signs or anything severe make it urgent and
    email the clinic that an urgent answer waits on the dashboard."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if locked.answered_at is not None:
            raise AlreadyAnswered
        for name in SYMPTOMS:
            setattr(locked, name, answers[name])
        locked.comment = comment.strip()
        locked.answered_at = now
        locked.urgent = locked.needs_action
        locked.save()
        if locked.urgent:
            _email_clinic_urgent(locked)
    return locked


def _email_clinic_urgent(follow_up: FollowUp) -> None:
    """Tell the clinic's inbox that an urgent answer waits: a link to the staff page only."""
    path = reverse("clinical:session-detail", kwargs={"appointment_id": follow_up.appointment_id})
    with translation.override(settings.LANGUAGE_CODE):
        context = {"staff_url": f"{settings.SITE_URL}{path}", "clinic_name": settings.CLINIC_NAME}
        subject = " ".join(render_to_string("emails/follow_up_urgent_subject.txt", context).split())
        body = render_to_string("emails/follow_up_urgent.txt", context)
    email = OutgoingEmail.objects.create(
        patient=None,
        template="follow_up_urgent",
        to=settings.CLINIC_EMAIL,
        subject=subject,
        body_text=body,
        body_html="",
    )
    email_id = email.pk
    transaction.on_commit(lambda: _enqueue(email_id))


def _enqueue(email_id: int) -> None:
    try:
        deliver_email.enqueue(email_id)
    except Exception:
        # The row is safe in the outbox; the sweep (send_pending_emails) will send it.
        logger.exception("Could not enqueue email %s; the sweep will send it", email_id)


def follow_ups_stop(*, patient: Patient, now: datetime | None = None) -> None:
    """No more follow-up messages for this patient (already sent links keep working)."""
    FollowUpStop.objects.get_or_create(
        patient=patient, defaults={"stopped_at": now or timezone.now()}
    )


def urgent_seen(*, follow_up: FollowUp, clinician: Clinician, now: datetime | None = None) -> None:
    FollowUp.objects.filter(pk=follow_up.pk, urgent_seen_at__isnull=True).update(
        urgent_seen_at=now or timezone.now(), urgent_seen_by=clinician
    )


# --- Adverse events -----------------------------------------------------------------------------


def adverse_event_record(
    *,
    appointment: Appointment,
    clinician: Clinician,
    details: dict[str, object],
    follow_up: FollowUp | None = None,
    now: datetime | None = None,
) -> AdverseEvent:
    """Record an adverse event of a session, linked to the lot the session's record names.

    From a follow-up: the clinician confirms what the patient reported (the follow-up is linked
    and its urgent item counts as handled).
    """
    now = now or timezone.now()
    lot_id = (
        TreatmentRecord.objects.filter(appointment=appointment)
        .values_list("lot_id", flat=True)
        .first()
    )
    with transaction.atomic():
        event = AdverseEvent(
            appointment=appointment, lot_id=lot_id, reported_by=clinician, follow_up=follow_up
        )
        for name, value in details.items():
            setattr(event, name, value)
        event.full_clean(exclude=["follow_up"])
        event.save()
        if follow_up is not None:
            urgent_seen(follow_up=follow_up, clinician=clinician, now=now)
    return event


# --- Outcome after the course -------------------------------------------------------------------


def outcomes_due(*, now: datetime) -> QuerySet[Plan]:
    """Completed courses whose last session was OUTCOME_WEEKS_AFTER_COURSE weeks ago or more
    (within the link's lifetime after that), not asked yet, patient reachable and not stopped."""
    delay = timedelta(weeks=settings.OUTCOME_WEEKS_AFTER_COURSE)
    oldest = now - delay - timedelta(days=settings.FOLLOW_UP_LINK_DAYS)
    asked = CourseOutcome.objects.filter(plan=OuterRef("pk"), sent_at__isnull=False)
    stopped = FollowUpStop.objects.filter(patient=OuterRef("patient"))
    return (
        Plan.objects.filter(status=PlanStatus.COMPLETED)
        .annotate(
            last_session=Max(
                "appointments__start",
                filter=Q(
                    appointments__kind=AppointmentKind.SESSION,
                    appointments__status=AppointmentStatus.COMPLETED,
                ),
            )
        )
        .filter(last_session__lte=now - delay, last_session__gt=oldest)
        .exclude(patient__email="")
        .exclude(Exists(asked))
        .exclude(Exists(stopped))
        .order_by("pk")
    )


def outcome_url(*, token: str, language: str) -> str:
    with translation.override(language):
        path = reverse("aftercare:outcome", kwargs={"token": token})
    return f"{settings.SITE_URL}{path}"


def outcome_send(*, plan: Plan, now: datetime | None = None) -> bool:
    """Claim and queue the outcome question of a course: the conditional UPDATE (or the unique
    insert) lets exactly one run through."""
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            outcomes_due(now=now).filter(pk=plan.pk).select_related("patient", "protocol").first()
        )
        if current is None:
            return False
        token = secrets.token_urlsafe(32)
        claim = {
            "token_hash": token_hash(token),
            "sent_at": now,
            "expires_at": now + timedelta(days=settings.FOLLOW_UP_LINK_DAYS),
        }
        # A clinician's rating may have created the row already: claim it only while unsent.
        claimed = CourseOutcome.objects.filter(plan=current, sent_at__isnull=True).update(**claim)
        if not claimed:
            try:
                with transaction.atomic():
                    CourseOutcome.objects.create(plan=current, **claim)
            except IntegrityError:
                return False  # another run claimed it first
        outcome = CourseOutcome.objects.get(plan=current)
        outcome.email = email_patient(
            patient=current.patient,
            plan=current,
            template="outcome",
            context={
                "protocol_name": current.protocol.name,
                "outcome_url": outcome_url(
                    token=token, language=current.patient.preferred_language
                ),
                "link_days": settings.FOLLOW_UP_LINK_DAYS,
            },
        )
        outcome.save(update_fields=["email"])
    return True


def outcomes_send_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    claimed = 0
    for plan_id in list(outcomes_due(now=now).values_list("pk", flat=True)):
        try:
            claimed += outcome_send(plan=Plan(pk=plan_id), now=now)
        except Exception as error:
            logger.error(
                "Outcome question for plan %s not sent (%s)", plan_id, type(error).__name__
            )
    return claimed


def outcome_find(token: str, *, now: datetime | None = None) -> CourseOutcome | None:
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    outcome = (
        CourseOutcome.objects.filter(token_hash=token_hash(token))
        .select_related("plan__patient", "plan__protocol")
        .first()
    )
    if outcome is None or outcome.expires_at is None or outcome.expires_at <= now:
        return None
    if outcome.plan.patient.email == "":
        return None
    return outcome


def outcome_answer(
    *,
    outcome: CourseOutcome,
    impression: int,
    satisfaction: int,
    would_again: bool,
    comment: str,
    now: datetime | None = None,
) -> CourseOutcome:
    now = now or timezone.now()
    updated = CourseOutcome.objects.filter(pk=outcome.pk, answered_at__isnull=True).update(
        impression=impression,
        satisfaction=satisfaction,
        would_again=would_again,
        comment=comment.strip(),
        answered_at=now,
    )
    if not updated:
        raise AlreadyAnswered
    outcome.refresh_from_db()
    return outcome


def outcome_rate(*, plan: Plan, clinician: Clinician, impression: int) -> CourseOutcome:
    """The clinician's own impression of change at a follow-up visit (may come first)."""
    outcome, _created = CourseOutcome.objects.update_or_create(
        plan=plan, defaults={"clinician_impression": impression, "rated_by": clinician}
    )
    return outcome
