"""Request-wide safety: request ids and logs, security headers, staff sessions, the second factor,
and a kind 503 when the database is down. The order in settings.MIDDLEWARE matters; see there.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import empty
from django.utils.translation import gettext

from clinic.accounts.services import (
    LAST_SEEN_SESSION_KEY,
    has_second_factor,
    needs_second_factor,
)
from clinic.logging import DATABASE_UNAVAILABLE, request_id_var, safe_path
from common.csp import nonce_placeholder

logger = logging.getLogger("clinic.request")
auth_logger = logging.getLogger("clinic.auth")

GetResponse = Callable[[HttpRequest], HttpResponseBase]

# A request id a proxy or load balancer sent is kept (so one id follows a request through every
# layer) if it is short and plain; anything else is replaced, so a client cannot write into logs.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, if this request already loaded the user (never a query)."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:
        return None
    wrapped = getattr(wrapped, "_wrapped", wrapped)  # django-otp wraps the user once more
    if wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)


class RequestLogMiddleware:
    """Give every request an id (from X-Request-ID or new) and log one line when it is answered."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            if settings.SENTRY_DSN:
                import sentry_sdk

                sentry_sdk.set_tag("request_id", request_id)
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            status = response.status_code
            logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "request",
                extra={
                    "method": request.method,
                    "path": safe_path(request.path),
                    "status": status,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


# What a view's csp decorators leave on a response; any of them sends it through django-csp's own
# per-response path.
_CSP_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_NONCE_MARK = "clinic-csp-nonce-mark"


@functools.cache
def _csp_policy(with_nonce: bool) -> str:
    """The site's policy as django-csp builds it, once per process (and per settings change)."""
    return build_policy(nonce=_NONCE_MARK if with_nonce else None)


@receiver(setting_changed)
def _csp_settings_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _csp_policy.cache_clear()


class CSPMiddleware(LibraryCSPMiddleware):
    """django-csp's middleware with the policy string built once, not on every response.

    django-csp rebuilds the header from the settings on every response (about a third of what a
    cached page costs, docs/performance.md); the result depends only on the settings and on
    whether this response used a nonce. Responses that a view's csp decorator changed, a
    report-only policy, excluded prefixes and DEBUG go through django-csp unchanged.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        policy = settings.CONTENT_SECURITY_POLICY or {}
        if (
            settings.DEBUG
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or policy.get("EXCLUDE_URL_PREFIXES")
            or any(hasattr(response, name) for name in _CSP_PER_RESPONSE)
        ):
            return super().process_response(request, response)
        nonce = getattr(request, "_csp_nonce", None)
        if CSP_HEADER not in response:
            header = _csp_policy(nonce is not None)
            response[CSP_HEADER] = header.replace(_NONCE_MARK, nonce) if nonce else header
        if nonce is None:
            # As django-csp does: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response, and this response's CSP nonce in cached HTML.

    Sits inside csp.middleware.CSPMiddleware: reading request.csp_nonce here puts the nonce into
    the Content-Security-Policy header that middleware writes on the way out.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.permissions_policy)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and nonce_placeholder() in response.content
        ):
            nonce = str(request.csp_nonce).encode("ascii")  # type: ignore[attr-defined]
            response.content = response.content.replace(nonce_placeholder(), nonce)
            if response.has_header("Content-Length"):  # set by CommonMiddleware, now longer
                response["Content-Length"] = str(len(response.content))
        return response


class StaffSessionMiddleware:
    """Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request, and at browser close.

    Patients have no accounts, so every signed-in session is a staff one, whether or not the
    account has is_staff (a clinician may not). The last-seen time is written
    at most once a minute, not on every request.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        # Every account, not only is_staff: the clinician area checks the medical permission,
        # not the staff flag, so a clinician without it must time out too (patients have none).
        if user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
            idle_limit = settings.STAFF_SESSION_IDLE_MINUTES * 60
            if last_seen is not None and now - last_seen > idle_limit:
                user_id = user.pk
                logout(request)
                auth_logger.info(
                    "staff session ended after inactivity",
                    extra={"event": "session_idle_timeout", "user_id": user_id},
                )
                messages.info(
                    request,
                    gettext("You were signed out after %(minutes)d minutes without activity.")
                    % {"minutes": settings.STAFF_SESSION_IDLE_MINUTES},
                )
            else:
                if last_seen is None or now - last_seen >= 60:
                    request.session[LAST_SEEN_SESSION_KEY] = now
                if not request.session.get_expire_at_browser_close():
                    request.session.set_expiry(0)
        return self.get_response(request)


def _second_factor_prefixes() -> tuple[str, ...]:
    return ("/admin/", *(f"/{code}/staff/" for code, _name in settings.LANGUAGES))


def _account_prefixes() -> tuple[str, ...]:
    # A staff member's own second-factor pages: the authenticator's secret and the recovery
    # codes are shown there once. No second factor is asked for (they are how one is given).
    return tuple(f"/{code}/account/" for code, _name in settings.LANGUAGES)


class SecondFactorMiddleware:
    """Every staff account reaches the admin and the staff area only after a second factor.

    Works on paths, not views, so every page another developer adds under /admin/ or
    /<lang>/staff/ is covered without a decorator. The sign-in and sign-out pages themselves are
    exempt (url names "login" and "logout"), so a password sign-in leads to the verification
    page, or to the setup page for staff without an authenticator yet (which sets one up only
    from a one-time enrolment link: clinic.accounts.enrolment).

    Every response under those paths, and under /<lang>/account/ (the second factor's own
    pages, with the authenticator's secret and the recovery codes), is also sent with
    `Cache-Control: no-store` (and private): staff pages show patients' names and medical data,
    which must not stay in a shared browser's cache or a proxy after sign-out. On paths too, so a
    new staff page cannot forget it.
    """

    EXEMPT_URL_NAMES = frozenset({"login", "logout"})

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.prefixes = _second_factor_prefixes()
        self.no_store_prefixes = self.prefixes + _account_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path_info.startswith(self.no_store_prefixes) and "no-store" not in response.get(
            "Cache-Control", ""
        ):
            add_never_cache_headers(response)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if not request.path_info.startswith(self.prefixes):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in self.EXEMPT_URL_NAMES:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified() or not needs_second_factor(user):
            return None
        target = "accounts:verify" if has_second_factor(user) else "accounts:enrol"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with Retry-After, not a 500.

    Failures earlier in the stack (loading the session) reach clinic.views.server_error, which
    does the same.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            from clinic.views import service_unavailable

            logging.getLogger("clinic.database").error("database unavailable", exc_info=exception)
            return service_unavailable(request)
        return None
