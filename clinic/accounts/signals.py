"""Log staff sign-ins, failures, sign-outs and lockouts: ids and addresses, never names or
passwords. Connected in clinic.apps.ClinicConfig.ready()."""

import logging
import time

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from clinic.accounts.services import LAST_SEEN_SESSION_KEY
from common.client_ip import client_ip

logger = logging.getLogger("clinic.auth")


def _logged_in(sender: object, request: HttpRequest | None, user: object, **kwargs: object) -> None:
    logger.info(
        "sign-in",
        extra={
            "event": "login_ok",
            "user_id": user.pk,
            "ip": client_ip(request) if request else None,
        },
    )
    if request is not None and getattr(user, "is_staff", False):
        # Staff sessions end when the browser closes, and after the idle limit
        # (clinic.middleware.StaffSessionMiddleware) counted from now.
        request.session.set_expiry(0)
        request.session[LAST_SEEN_SESSION_KEY] = int(time.time())


def _login_failed(
    sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: object
) -> None:
    # The username typed is not logged (it may be a mistyped password or someone's name); the
    # account's id is, when one matches.
    username = credentials.get("username") or ""
    user_id = (
        get_user_model()
        .objects.filter(**{get_user_model().USERNAME_FIELD: username})
        .values_list("pk", flat=True)
        .first()
        if username
        else None
    )
    logger.warning(
        "sign-in refused",
        extra={
            "event": "login_failed",
            "user_id": user_id,
            "ip": client_ip(request) if request else None,
        },
    )
    # Counted across all addresses, unless the attempt was refused without checking the
    # password (a lockout or a pause: counting it would only prolong the pause).
    if request is not None and username and not getattr(request, "signin_refused", False):
        from clinic.accounts.signin import sign_in_failed

        sign_in_failed(request=request, username=username)


def _logged_out(
    sender: object, request: HttpRequest | None, user: object, **kwargs: object
) -> None:
    logger.info("sign-out", extra={"event": "logout", "user_id": getattr(user, "pk", None)})


def _locked_out(
    sender: object,
    request: HttpRequest | None,
    username: str | None,
    ip_address: str,
    **kwargs: object,
) -> None:
    logger.warning(
        "sign-in locked after repeated failures",
        extra={"event": "login_locked_out", "ip": ip_address},
    )


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="clinic.accounts.logged_in")
    user_login_failed.connect(_login_failed, dispatch_uid="clinic.accounts.login_failed")
    user_logged_out.connect(_logged_out, dispatch_uid="clinic.accounts.logged_out")
    user_locked_out.connect(_locked_out, dispatch_uid="clinic.accounts.locked_out")
