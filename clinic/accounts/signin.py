"""Guessing a staff password from many addresses, and locking a colleague out, are both stopped.

Three layers (docs/security.md says why, and what it costs):

1. django-axes locks a username *from one address* after `LOGIN_FAILURE_LIMIT` failures.
2. Every username also has a limit across *all* addresses (`LOGIN_ACCOUNT_FAILURE_LIMIT`): from
   there, each further failure pauses sign-in for that account a little longer (1, 2, 4, …
   minutes, at most `LOGIN_ACCOUNT_PAUSE_MAX_MINUTES`), and the account's owner and the clinic
   managers are emailed once.
3. A *known device* — a browser that completed a full sign-in (password and second factor) for
   that user before, marked by a long random cookie whose hash is stored — is exempt from both:
   somebody else's failures cannot lock a colleague out of their own computer. Its own wrong
   passwords are counted on it, and at `LOGIN_FAILURE_LIMIT` it is no longer trusted.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from clinic.accounts.tokens import token_hash, token_new
from clinic.models import AccountSignInThrottle, KnownDevice

logger = logging.getLogger("clinic.auth")

KNOWN_DEVICE_COOKIE = "clinic_known_device"
# A shared computer (the reception desk) may be known for a few colleagues at once.
KNOWN_DEVICE_TOKENS_PER_BROWSER = 8
# Failures for one account are forgotten this long after the last one.
ACCOUNT_FAILURE_WINDOW = timedelta(hours=24)
FIRST_PAUSE = timedelta(minutes=1)


# --- Known devices ------------------------------------------------------------------------------


def _cookie_tokens(request: HttpRequest) -> list[str]:
    raw = request.COOKIES.get(KNOWN_DEVICE_COOKIE, "")
    return [token for token in raw.split(".") if token][:KNOWN_DEVICE_TOKENS_PER_BROWSER]


def known_device_for(request: HttpRequest | None, username: str | None) -> KnownDevice | None:
    """The trusted device this browser is for `username`, if any (one query, none without a
    cookie)."""
    if request is None or not username:
        return None
    tokens = _cookie_tokens(request)
    if not tokens:
        return None
    field = get_user_model().USERNAME_FIELD
    return (
        KnownDevice.objects.filter(
            token_hash__in=[token_hash(token) for token in tokens],
            failures__lt=settings.AXES_FAILURE_LIMIT,
            created_at__gt=timezone.now() - timedelta(days=settings.KNOWN_DEVICE_DAYS),
            user__is_active=True,
            **{f"user__{field}": username},
        )
        .only("pk", "user_id")
        .first()
    )


def known_device_remember(
    request: HttpRequest, response: HttpResponseBase, user: AbstractBaseUser
) -> None:
    """After a full sign-in: mark this browser as known for `user` (or refresh the mark)."""
    device = known_device_for(request, user.get_username())
    if device is not None:
        KnownDevice.objects.filter(pk=device.pk).update(failures=0, last_used_at=timezone.now())
        return
    token = token_new()
    KnownDevice.objects.create(user=user, token_hash=token_hash(token))
    tokens = [token, *_cookie_tokens(request)][:KNOWN_DEVICE_TOKENS_PER_BROWSER]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        ".".join(tokens),
        max_age=settings.KNOWN_DEVICE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def known_devices_forget(*, user: AbstractBaseUser) -> None:
    """No browser is trusted for `user` any more (authenticator reset, deactivation)."""
    KnownDevice.objects.filter(user=user).delete()


def axes_whitelisted(request: HttpRequest, credentials: dict | None = None) -> bool:
    """AXES_WHITELIST_CALLABLE: a known device is not locked by failures from its address."""
    username = (credentials or {}).get("username")
    return known_device_for(request, username) is not None


# --- The per-account limit across addresses -----------------------------------------------------


def _pause_after(failures: int) -> timedelta | None:
    over = failures - settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    if over < 0:
        return None
    cap = timedelta(minutes=settings.LOGIN_ACCOUNT_PAUSE_MAX_MINUTES)
    return min(FIRST_PAUSE * 2 ** min(over, 20), cap)


def account_paused_until(
    *, request: HttpRequest, username: str | None, now: datetime | None = None
) -> datetime | None:
    """When sign-in for `username` from this browser may be tried again, or None if it may now."""
    if not username:
        return None
    now = now or timezone.now()
    paused_until = (
        AccountSignInThrottle.objects.filter(username=username, paused_until__gt=now)
        .values_list("paused_until", flat=True)
        .first()
    )
    if paused_until is None or known_device_for(request, username) is not None:
        return None
    return paused_until


def sign_in_failed(*, request: HttpRequest, username: str, now: datetime | None = None) -> None:
    """Count a wrong password (never one refused without checking it)."""
    now = now or timezone.now()
    device = known_device_for(request, username)
    if device is not None:
        KnownDevice.objects.filter(pk=device.pk).update(failures=F("failures") + 1)
        return
    alert = False
    with transaction.atomic():
        AccountSignInThrottle.objects.filter(
            last_failure_at__lt=now - ACCOUNT_FAILURE_WINDOW
        ).delete()
        throttle, _created = AccountSignInThrottle.objects.select_for_update().get_or_create(
            username=username, defaults={"last_failure_at": now}
        )
        throttle.failures += 1
        throttle.last_failure_at = now
        pause = _pause_after(throttle.failures)
        if pause is not None:
            throttle.paused_until = now + pause
            if throttle.alerted_at is None:
                throttle.alerted_at = now
                alert = True
        throttle.save()
    if pause is not None:
        logger.warning(
            "sign-in paused for an account after failures from several addresses",
            extra={"event": "login_account_paused", "ip": None},
        )
    if alert:
        _alert(username=username, failures=throttle.failures, now=now)


def _alert(*, username: str, failures: int, now: datetime) -> None:
    """Email the account's owner and the clinic managers, once per wave of failures."""
    from clinical.roles import CLINIC_MANAGER

    User = get_user_model()
    owner = User.objects.filter(**{User.USERNAME_FIELD: username}, is_active=True).first()
    if owner is None:
        return  # an unknown username: nobody to warn, and nothing to protect
    managers = User.objects.filter(
        Q(groups__name=CLINIC_MANAGER) | Q(is_superuser=True), is_active=True
    ).exclude(email="")
    recipients = sorted({owner.email, *managers.values_list("email", flat=True)} - {""})
    if not recipients:
        return
    context = {
        "account": owner,
        "failures": failures,
        "limit": settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
        "max_minutes": settings.LOGIN_ACCOUNT_PAUSE_MAX_MINUTES,
        "clinic_name": settings.CLINIC_NAME,
    }
    try:
        send_mail(
            " ".join(render_to_string("emails/staff_signin_alert_subject.txt", context).split()),
            render_to_string("emails/staff_signin_alert.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    except OSError:
        # The alert must never turn a refused sign-in into an error page.
        logger.exception("sign-in alert not sent", extra={"event": "login_alert_failed"})


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the "Sign-in paused" page, for an address or for the account."""
    paused_until = getattr(request, "signin_paused_until", None)
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_timedelta": settings.AXES_COOLOFF_TIME,
        "account_paused": paused_until is not None,
        "paused_minutes": (
            max(1, -(-int((paused_until - timezone.now()).total_seconds()) // 60))
            if paused_until
            else 0
        ),
    }
    return render(request, "accounts/locked_out.html", context, status=429)
