"""The patient email outbox: written with the booking, sent after commit, retried, sent once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from bookings.models import (
    OutgoingEmail,
    OutgoingEmailStatus,
)
from bookings.notify.emails import Attachment, email_deliver, email_patient, emails_send_due
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


class BrokenMailServer:
    """An email backend whose server refuses every message."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise ConnectionRefusedError("mail server down")


@pytest.fixture
def patient():
    return PatientFactory(email="ada@example.com", preferred_language="de")


def queue(patient) -> OutgoingEmail:
    return email_patient(
        patient=patient,
        template="manage_link",
        context={"manage_url": "https://clinic.example/manage/secret-token/"},
        attachments=[Attachment("course.ics", b"BEGIN:VCALENDAR", "text/calendar")],
    )


def test_an_email_is_enqueued_only_when_the_transaction_commits(
    patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        email = queue(patient)
    assert len(callbacks) == 1
    assert OutgoingEmail.objects.get().status == OutgoingEmailStatus.PENDING
    assert email.to == "ada@example.com"


def test_an_email_rolled_back_with_its_booking_is_never_sent(
    patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queue(patient)
                raise RuntimeError("booking failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []


def test_delivery_sends_once_in_the_patients_language_and_clears_the_body(patient):
    email = queue(patient)
    assert email_deliver(email_id=email.pk) is True
    assert email_deliver(email_id=email.pk) is False
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert "secret-token" in message.body
    assert message.attachments[0][0] == "course.ics"
    email.refresh_from_db()
    assert email.status == OutgoingEmailStatus.SENT
    assert email.sent_at is not None
    assert (email.body_text, email.body_html, email.attachments) == ("", "", [])


def test_a_failing_mail_server_leaves_the_email_pending_and_a_later_run_sends_it(patient, settings):
    email = queue(patient)
    settings.EMAIL_BACKEND = "tests.bookings.test_emails.BrokenMailServer"
    now = timezone.now()
    assert email_deliver(email_id=email.pk, now=now) is False
    email.refresh_from_db()
    assert email.status == OutgoingEmailStatus.PENDING
    assert email.attempts == 1
    assert email.next_attempt_at == now + timedelta(minutes=1)
    assert email.last_error == "ConnectionRefusedError"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert emails_send_due(now=now) == 0, "not due yet: back-off is respected"
    assert emails_send_due(now=now + timedelta(minutes=2)) == 1
    assert emails_send_due(now=now + timedelta(minutes=3)) == 0
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmailStatus.SENT


def test_the_email_is_given_up_after_the_maximum_attempts(patient, settings):
    settings.EMAIL_BACKEND = "tests.bookings.test_emails.BrokenMailServer"
    settings.EMAIL_MAX_ATTEMPTS = 2
    email = queue(patient)
    now = timezone.now()
    email_deliver(email_id=email.pk, now=now)
    email_deliver(email_id=email.pk, now=now + timedelta(hours=1))
    email.refresh_from_db()
    assert email.status == OutgoingEmailStatus.FAILED
    assert email.attempts == 2
    # Never sent again: the manage link and calendar file it carried are not kept.
    assert (email.body_text, email.body_html, email.attachments) == ("", "", [])


# --- a mail server that never answers ----------------------------------------------------------


def test_the_smtp_connection_gives_up_on_a_mail_server_that_never_answers():
    from django.core.mail import get_connection

    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert smtp.timeout is not None
    assert 0 < smtp.timeout <= 300
