"""First (and replacement) second-factor enrolment needs a one-time link, never the password alone.

A manager's invitation or authenticator reset emails the staff member a link
(`/<lang>/account/enrol/<token>/`) that works once, for `STAFF_ENROLMENT_LINK_HOURS`; the demo's
`seed_demo` prints one per demo account. Opening it (with the password, or choosing one for a new
account) puts a short-lived grant in the session; only with that grant, or from a session already
verified with the old authenticator, can `/<lang>/account/two-factor/` store a new one.
"""

from __future__ import annotations

import logging
import smtplib
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from clinic.accounts.tokens import token_hash, token_new
from clinic.models import EnrolmentLink, EnrolmentPurpose

logger = logging.getLogger("clinic.auth")

GRANT_SESSION_KEY = "otp_enrol_grant"
# How long after opening the link the authenticator must be confirmed.
GRANT_SECONDS = 30 * 60


@transaction.atomic
def enrolment_link_issue(
    *,
    user: AbstractBaseUser,
    purpose: str,
    by: AbstractBaseUser | None,
    now: datetime | None = None,
) -> str:
    """A new link for `user`; earlier unused links stop working. Returns the token (not stored)."""
    now = now or timezone.now()
    EnrolmentLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    token = token_new()
    EnrolmentLink.objects.create(
        user=user,
        token_hash=token_hash(token),
        purpose=purpose,
        created_by=by,
        expires_at=now + timedelta(hours=settings.STAFF_ENROLMENT_LINK_HOURS),
    )
    return token


def enrolment_link_path(*, token: str, language: str | None = None) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return reverse("accounts:enrol-link", args=[token])


def enrolment_link_url(*, token: str, language: str | None = None) -> str:
    return settings.SITE_URL + enrolment_link_path(token=token, language=language)


def enrolment_link_find(*, token: str, now: datetime | None = None) -> EnrolmentLink | None:
    """The link if it is unused, unexpired and its account active; else None."""
    now = now or timezone.now()
    return (
        EnrolmentLink.objects.select_related("user")
        .filter(
            token_hash=token_hash(token),
            used_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
        )
        .first()
    )


def enrolment_link_claim(*, link: EnrolmentLink, now: datetime | None = None) -> bool:
    """Use the link up. Only one of two simultaneous openings wins (a conditional UPDATE)."""
    now = now or timezone.now()
    claimed = EnrolmentLink.objects.filter(
        pk=link.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    return claimed == 1


def enrolment_link_email(*, user: AbstractBaseUser, token: str, purpose: str) -> bool:
    """Email the link to the staff member (after the caller's transaction has committed).

    False when it could not be sent (no address, the mail server down): the account's change
    stands, and the manager is told to send a new link (issuing one again is always possible).
    """
    if not user.email:
        return False
    context = {
        "user": user,
        "url": enrolment_link_url(token=token),
        "hours": settings.STAFF_ENROLMENT_LINK_HOURS,
        "invitation": purpose == EnrolmentPurpose.INVITATION,
        "clinic_name": settings.CLINIC_NAME,
    }
    subject = " ".join(render_to_string("emails/staff_enrolment_subject.txt", context).split())
    try:
        send_mail(
            subject,
            render_to_string("emails/staff_enrolment.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            html_message=render_to_string("emails/staff_enrolment.html", context),
        )
    except (smtplib.SMTPException, OSError):
        logger.exception(
            "enrolment link not sent", extra={"event": "enrolment_link_failed", "user_id": user.pk}
        )
        return False
    logger.info("enrolment link sent", extra={"event": "enrolment_link_sent", "user_id": user.pk})
    return True


def grant_store(request: HttpRequest, user: AbstractBaseUser) -> None:
    until = int(time.time()) + GRANT_SECONDS
    request.session[GRANT_SESSION_KEY] = {"user": user.pk, "until": until}


def grant_valid(request: HttpRequest, user: AbstractBaseUser) -> bool:
    grant = request.session.get(GRANT_SESSION_KEY) or {}
    return grant.get("user") == user.pk and grant.get("until", 0) > time.time()


def grant_clear(request: HttpRequest) -> None:
    request.session.pop(GRANT_SESSION_KEY, None)
