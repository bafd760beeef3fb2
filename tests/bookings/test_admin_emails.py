"""Emails to patients in the admin: what was sent and when, what is pending and why; never the
body (a pending one still holds the manage link); a pending email can be sent at once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import OutgoingEmail, OutgoingEmailStatus
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

EMAILS = reverse("admin:bookings_outgoingemail_changelist")


@pytest.fixture
def failed_once(db):
    return OutgoingEmail.objects.create(
        patient=PatientFactory(full_name="Maria Schneider"),
        template="reminder",
        to="maria@example.com",
        subject="Reminder: your visit on Tuesday at 10:00",
        body_text="Manage: https://clinic.example/en/bookings/manage/secret-token/",
        body_html="<p>https://clinic.example/en/bookings/manage/secret-token/</p>",
        attempts=1,
        last_error="ConnectionRefusedError",
        next_attempt_at=timezone.now() + timedelta(minutes=30),
    )


def test_reception_sees_pending_emails_with_their_error_but_never_the_body(reception, failed_once):
    listing = reception.get(EMAILS).text
    page = reception.get(reverse("admin:bookings_outgoingemail_change", args=[failed_once.pk])).text

    assert "Reminder: your visit on Tuesday at 10:00" in listing
    assert "Pending" in listing
    assert "ConnectionRefusedError" in page
    assert "secret-token" not in listing and "secret-token" not in page


def test_try_to_send_now_delivers_a_pending_email_before_its_next_try(
    settings, reception, failed_once
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = reception.post(
        EMAILS, {"action": "send_now", "_selected_action": [failed_once.pk]}, follow=True
    )

    failed_once.refresh_from_db()
    assert failed_once.status == OutgoingEmailStatus.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maria@example.com"]
    assert "1 of 1 pending email sent." in response.text


def test_emails_cannot_be_edited_or_deleted_in_the_admin(reception, failed_once):
    url = reverse("admin:bookings_outgoingemail_change", args=[failed_once.pk])

    posted = reception.post(url, {"to": "someone@else.example"})

    failed_once.refresh_from_db()
    assert failed_once.to == "maria@example.com"
    assert posted.status_code == 403
    assert reception.get(reverse("admin:bookings_outgoingemail_add")).status_code == 403
