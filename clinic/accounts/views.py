"""The second-factor pages: verify after the password, set up an authenticator, recovery codes."""

import logging
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from clinic.accounts import services
from clinic.accounts.forms import CodeForm

logger = logging.getLogger("clinic.auth")

ENROL_KEY_SESSION_KEY = "otp_enrol_key"
NEW_CODES_SESSION_KEY = "otp_new_recovery_codes"


def _next_url(request: HttpRequest) -> str:
    """Where to go once verified: the page that asked, if it is ours, else the admin."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def _mark_verified(request: HttpRequest, device: object) -> None:
    # A new session key once the second factor is proven: a key seen before this point (on a
    # shared computer, in a log) is useless afterwards.
    request.session.cycle_key()
    otp_login(request, device)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not services.has_second_factor(user):
        return redirect(f"{reverse('accounts:enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_verify(user=user, token=form.cleaned_data["code"])
        if device is not None:
            _mark_verified(request, device)
            logger.info(
                "second factor verified",
                extra={"event": "second_factor_ok", "user_id": user.pk},
            )
            if device.name == services.RECOVERY_DEVICE_NAME:
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code, which now no longer works. "
                        "%(left)d codes are left."
                    )
                    % {"left": services.recovery_codes_left(user=user)},
                )
            return redirect(_next_url(request))
        logger.warning(
            "second factor refused", extra={"event": "second_factor_failed", "user_id": user.pk}
        )
        form.add_error(
            "code",
            _(
                "That code did not work. Check the clock on your phone and use the newest code; "
                "after several wrong codes you must wait a little before the next try."
            ),
        )
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app; replacing one needs the current one first."""
    user = request.user
    if services.has_second_factor(user) and not user.is_verified():
        # Someone with the password alone must not swap the authenticator.
        return redirect(f"{reverse('accounts:verify')}?{request.GET.urlencode()}")
    key = request.session.get(ENROL_KEY_SESSION_KEY)
    if not key:
        key = services.totp_new_key()
        request.session[ENROL_KEY_SESSION_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_enrol(user=user, key=key, token=form.cleaned_data["code"])
        except ValueError:
            form.add_error(
                "code",
                _("That code did not match. Enter the six digits the app shows right now."),
            )
        else:
            del request.session[ENROL_KEY_SESSION_KEY]
            _mark_verified(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            logger.info(
                "authenticator enrolled",
                extra={"event": "second_factor_enrolled", "user_id": user.pk},
            )
            return redirect(
                f"{reverse('accounts:recovery-codes')}?{urlencode({'next': _next_url(request)})}"
            )
    uri = services.totp_provisioning_uri(user=user, key=key)
    qr = segno.make(uri, error="m")
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=5, dark="#1f2a30", omitsize=False),
            "secret": _base32(key),
            "next": _next_url(request),
            "replacing": services.has_second_factor(user),
        },
    )


def _base32(key: str) -> str:
    """The secret as the apps expect it typed by hand: base32, in groups of four."""
    plain = b32encode(unhexlify(key)).decode("ascii").rstrip("=")
    return " ".join(plain[i : i + 4] for i in range(0, len(plain), 4))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New codes are shown once, right after they are made; a verified user can replace them."""
    user = request.user
    if services.needs_second_factor(user) and not user.is_verified():
        return redirect(f"{reverse('accounts:verify')}?{request.GET.urlencode()}")
    if request.method == "POST":
        if not services.has_second_factor(user):
            return redirect("accounts:enrol")
        request.session[NEW_CODES_SESSION_KEY] = services.recovery_codes_replace(user=user)
        logger.info(
            "recovery codes replaced",
            extra={"event": "recovery_codes_replaced", "user_id": user.pk},
        )
        return redirect("accounts:recovery-codes")
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": codes,
            "left": services.recovery_codes_left(user=user),
            "next": _next_url(request),
            "issuer": settings.OTP_TOTP_ISSUER,
        },
    )
