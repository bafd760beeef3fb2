"""Patient emails through an outbox.

`email_patient()` renders an email in the patient's language and stores it as an `OutgoingEmail`
row inside the caller's transaction; when that transaction commits, the delivery task is enqueued.
If the booking rolls back, no email exists; if the mail server is down, the row waits and is
retried with back-off (the `deliver_email` task below, and `manage.py send_pending_emails` as a
sweep). The row is locked while it is sent, so two workers never send it twice. The task lives
here, with the outbox it works on, so that the two do not import each other.

Each email is a trio of templates in `templates/emails/`: `<name>_subject.txt`,
`<name>.txt` and `<name>.html`.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from bookings.models import OutgoingEmail, OutgoingEmailStatus, Patient, Plan

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str


def email_patient(
    *,
    patient: Patient,
    template: str,
    context: dict | None = None,
    plan: Plan | None = None,
    attachments: list[Attachment] | tuple[Attachment, ...] = (),
) -> OutgoingEmail:
    """Queue one email to the patient, rendered in their preferred language."""
    context = {
        "patient": patient,
        "plan": plan,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_email": settings.CLINIC_EMAIL,
        "clinic_address": settings.CLINIC_ADDRESS,
        **(context or {}),
    }
    with translation.override(patient.preferred_language):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        body_text = render_to_string(f"emails/{template}.txt", context)
        body_html = render_to_string(f"emails/{template}.html", context)
    email = OutgoingEmail.objects.create(
        patient=patient,
        plan=plan,
        template=template,
        to=patient.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "content": base64.b64encode(a.content).decode("ascii"),
            }
            for a in attachments
        ],
    )
    email_id = email.pk
    transaction.on_commit(lambda: _enqueue_delivery(email_id))
    return email


def _enqueue_delivery(email_id: int, run_after: datetime | None = None) -> None:
    if run_after is not None and not deliver_email.get_backend().supports_defer:
        return  # e.g. the immediate backend: the sweep (send_pending_emails) retries it
    task = deliver_email.using(run_after=run_after) if run_after else deliver_email
    try:
        task.enqueue(email_id)
    except Exception:
        # The row is safe in the outbox; the sweep (send_pending_emails) will pick it up.
        logger.exception("Could not enqueue email %s; the sweep will send it", email_id)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _forget_content(email: OutgoingEmail) -> None:
    email.body_text = ""
    email.body_html = ""
    email.attachments = []


def email_deliver(*, email_id: int, now: datetime | None = None) -> bool:
    """Send one pending email if it is due. Returns True if this call sent it."""
    now = now or timezone.now()
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutgoingEmailStatus.PENDING)
            .first()
        )
        if email is None or (email.next_attempt_at and email.next_attempt_at > now):
            return False
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
        )
        message.attach_alternative(email.body_html, "text/html")
        for attachment in email.attachments:
            message.attach(
                attachment["filename"],
                base64.b64decode(attachment["content"]),
                attachment["content_type"],
            )
        email.attempts += 1
        try:
            message.send()
        except Exception as error:  # any mail server failure: keep the email, try again later
            email.last_error = f"{type(error).__name__}"[:300]
            if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
                email.status = OutgoingEmailStatus.FAILED
                logger.error("Email %s failed %s times; gave up", email.pk, email.attempts)
                # Never sent again (a resend writes a new email): like a sent one, keep only the
                # record, not the manage link and calendar file it carried.
                _forget_content(email)
            else:
                email.next_attempt_at = now + retry_delay(email.attempts)
                logger.warning("Email %s failed (attempt %s); will retry", email.pk, email.attempts)
            email.save()
            if email.status == OutgoingEmailStatus.PENDING:
                retry_at = email.next_attempt_at
                transaction.on_commit(lambda: _enqueue_delivery(email_id, run_after=retry_at))
            return False
        email.status = OutgoingEmailStatus.SENT
        email.sent_at = now
        email.last_error = ""
        # The body may carry a manage link: once it has been delivered, keep only the record.
        _forget_content(email)
        email.save()
        return True


@task()
def deliver_email(email_id: int) -> bool:
    """The background delivery of one email (run by the tasks worker, `manage.py db_worker`)."""
    return email_deliver(email_id=email_id)


def emails_send_due(*, now: datetime | None = None) -> int:
    """Send every pending email that is due (the sweep). Returns how many were sent."""
    now = now or timezone.now()
    due = OutgoingEmail.objects.filter(status=OutgoingEmailStatus.PENDING).exclude(
        next_attempt_at__gt=now
    )
    return sum(email_deliver(email_id=pk, now=now) for pk in due.values_list("pk", flat=True))
