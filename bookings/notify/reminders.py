"""Visit reminders: one email per appointment and start time, however often the job runs.

`manage.py send_reminders` (cron, every few minutes) calls `reminders_send_due()`. Each due
appointment is claimed by inserting a `SentReminder` — unique per appointment, kind and the start
it was sent for — in the same transaction as its outbox email. Two runs at the same moment both
try the insert; the database lets one through and the other gets an IntegrityError and skips.
The outbox then delivers through the tasks queue; when the mail server fails, the email stays
pending and is retried with back-off, and every run of this job also retries the reminder emails
that are due again, so a later run sends it even without a worker.

A rescheduled appointment has a new start, hence no claim yet: it gets a fresh reminder for its
new time. A cancelled one is no longer due, and the claim re-checks that under the plan's lock
(the lock every booking workflow takes first), so a reminder cannot cross a cancellation.

Each reminder is claimed in the booking engine's own transaction (its lock timeout: a plan held
by a long booking makes that reminder wait at most BOOKING_LOCK_TIMEOUT_SECONDS, then it is left
for the next run), and one reminder that fails never stops the others.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from bookings.engine.errors import NotFound
from bookings.engine.locks import booking_transaction, lock_appointment
from bookings.engine.rules import appointment_title, clinic_zone
from bookings.engine.tokens import manage_link_create
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    OutgoingEmail,
    OutgoingEmailStatus,
    Plan,
    PlanStatus,
    ReminderKind,
    SentReminder,
)
from bookings.notify.booking_emails import manage_url
from bookings.notify.emails import email_deliver, email_patient
from treatments.models import Procedure, Source

logger = logging.getLogger(__name__)


def reminders_due(*, now: datetime, ahead_of_time: bool = False) -> QuerySet[Appointment]:
    """Booked visits of confirmed courses starting within the reminder window, not yet claimed.

    Plans still awaiting a clinician's review get no reminder until they are confirmed. A visit
    booked or moved after its window opened gets none either: the patient was emailed its time
    minutes ago (the confirmation or the change email), and a reminder right after it is noise.
    """
    window = timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    claimed = SentReminder.objects.filter(
        appointment=OuterRef("pk"),
        kind=ReminderKind.DAY_BEFORE,
        appointment_start=OuterRef("start"),
    )
    due = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, plan__status=PlanStatus.CONFIRMED, start__gt=now
    )
    if not ahead_of_time:  # the desk's "send it now" skips the window
        due = due.filter(
            start__lte=now + window,
            # `updated_at` moves with a booking or a move (a status change ends "booked").
            updated_at__lte=F("start") - window,
        )
    return due.exclude(Exists(claimed)).order_by("start")


def reminder_expected(appointment: Appointment) -> bool:
    """Whether the reminder job will still email this visit (for the appointment page)."""
    window = timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    return (
        appointment.status == AppointmentStatus.BOOKED
        and appointment.plan.status == PlanStatus.CONFIRMED
        and appointment.start > timezone.now()
        and (appointment.updated_at is None or appointment.updated_at <= appointment.start - window)
    )


def reminder_send(
    *, appointment: Appointment, now: datetime | None = None, ahead_of_time: bool = False
) -> bool:
    """Claim and queue the reminder for this visit. False if it is not due or already claimed.

    The engine's transaction (`booking_transaction`: durable, with the lock timeout, a lock wait
    answered with `ClinicBusy`) and its plan lock on the *stored* plan (`lock_appointment`): the
    caller's `plan_id` may be stale, and a run must never wait for ever behind a busy plan.
    """
    now = now or timezone.now()

    with booking_transaction():
        try:
            plan, _current = lock_appointment(appointment.pk)
        except NotFound:
            return False  # deleted since it was listed
        # "Send the reminder now" from the desk: any booked, confirmed, future visit whose
        # reminder for this start has not gone out yet, inside its window or not.
        due = reminders_due(now=now, ahead_of_time=ahead_of_time)
        current = due.select_related("clinician").filter(pk=appointment.pk, plan_id=plan.pk).first()
        if current is None:
            return False  # cancelled, moved out of the window, or claimed since it was listed
        try:
            with transaction.atomic():
                reminder = SentReminder.objects.create(
                    appointment=current,
                    kind=ReminderKind.DAY_BEFORE,
                    appointment_start=current.start,
                )
        except IntegrityError:
            return False  # another run claimed it first
        plan = Plan.objects.select_related("patient", "protocol").get(pk=current.plan_id)
        current.plan = plan
        # A fresh manage link (only its hash is stored; earlier links keep working).
        link = manage_url(
            base_url=settings.SITE_URL,
            token=manage_link_create(plan=plan),
            language=plan.patient.preferred_language,
        )
        reminder.email = email_patient(
            patient=plan.patient,
            plan=plan,
            template="reminder",
            context={**_reminder_context(current), "manage_url": link},
        )
        reminder.save(update_fields=["email"])
        return True


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Queue every due reminder, then retry reminder emails whose delivery failed before.

    Returns how many reminders this run claimed. Each reminder is its own transaction: one that
    fails (a busy plan, a broken template, a database error) is rolled back, logged by the
    appointment's id only — nothing personal or medical — and left for the next run; the others
    go out.
    """
    now = now or timezone.now()
    claimed = 0
    for appointment_id in list(reminders_due(now=now).values_list("pk", flat=True)):
        try:
            claimed += reminder_send(appointment=Appointment(pk=appointment_id), now=now)
        except Exception as error:
            logger.error(
                "Reminder for appointment %s not sent this run (%s)",
                appointment_id,
                type(error).__name__,
            )
    retry = OutgoingEmail.objects.filter(
        status=OutgoingEmailStatus.PENDING,
        reminders__isnull=False,
        attempts__gte=1,
        next_attempt_at__lte=now,
    ).values_list("pk", flat=True)
    for email_id in list(retry):
        try:
            email_deliver(email_id=email_id, now=now)
        except Exception as error:
            logger.error("Reminder email %s not retried (%s)", email_id, type(error).__name__)
    return claimed


def _reminder_context(appointment: Appointment) -> dict[str, object]:
    protocol = appointment.plan.protocol
    preparation = appointment.kind == AppointmentKind.PREPARATION
    return {
        "appointment": appointment,
        "protocol": protocol,
        "visit_title": appointment_title(appointment),
        "local_start": appointment.start.astimezone(clinic_zone()),
        "clinician": appointment.clinician.display_name,
        "is_preparation": preparation,
        # A consultation (issue 18) may have no protocol and needs no preparation advice.
        "is_blood_draw": preparation and protocol.source == Source.PRP_OWN,
        "is_lipoaspiration": preparation and protocol.source == Source.MSC_OWN_ADIPOSE,
        "is_laser": not preparation
        and protocol is not None
        and appointment.kind == AppointmentKind.SESSION
        and protocol.procedure == Procedure.FRACTIONAL_LASER,
    }
