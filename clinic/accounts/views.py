"""The second-factor pages: verify after the password, set up an authenticator (only from an
enrolment link, or from a session verified with the old one), recovery codes."""

import logging
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from clinic.accounts import auth_cache, enrolment, services, signin
from clinic.accounts.forms import CodeForm, PasswordForm

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
            response = redirect(_next_url(request))
            signin.known_device_remember(request, response, user)
            return response
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
    """Set up an authenticator app: from an enrolment link (the session's grant), or to replace
    one from a session verified with it. The password alone never enrols one."""
    user = request.user
    granted = enrolment.grant_valid(request, user)
    if services.has_second_factor(user) and not user.is_verified() and not granted:
        # Someone with the password alone must not swap the authenticator.
        return redirect(f"{reverse('accounts:verify')}?{request.GET.urlencode()}")
    if not services.has_second_factor(user) and not granted:
        logger.warning(
            "enrolment without a link refused",
            extra={"event": "second_factor_enrol_refused", "user_id": user.pk},
        )
        return render(request, "accounts/enrol_needs_link.html", status=403)
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
            enrolment.grant_clear(request)
            _mark_verified(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            logger.info(
                "authenticator enrolled",
                extra={"event": "second_factor_enrolled", "user_id": user.pk},
            )
            response = redirect(
                f"{reverse('accounts:recovery-codes')}?{urlencode({'next': _next_url(request)})}"
            )
            signin.known_device_remember(request, response, user)
            return response
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


@require_http_methods(["GET", "HEAD", "POST"])
def enrol_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed one-time link: prove the password (or choose one, for a new account), then set
    up the authenticator. The link is used up when the password step succeeds."""
    link = enrolment.enrolment_link_find(token=token)
    if link is None:
        return render(request, "accounts/enrol_link_invalid.html", status=404)
    user = link.user
    new_account = not user.has_usable_password()
    if new_account:
        form = SetPasswordForm(user, request.POST or None)
    else:
        form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if new_account:
            signed_in = form.save()
        else:
            # Through authenticate(), so the lockouts and the per-account limit apply here too.
            signed_in = authenticate(
                request, username=user.get_username(), password=form.cleaned_data["password"]
            )
            if signed_in is None or signed_in.pk != user.pk:
                if getattr(request, "axes_locked_out", False):
                    return signin.lockout_response(request, None)
                form.add_error("password", _("That is not the password of this account."))
        if not form.errors:
            if not enrolment.enrolment_link_claim(link=link):
                return render(request, "accounts/enrol_link_invalid.html", status=404)
            login(request, signed_in, backend=auth_cache.BACKEND)
            enrolment.grant_store(request, signed_in)
            logger.info(
                "enrolment link used",
                extra={"event": "enrolment_link_used", "user_id": signed_in.pk},
            )
            query = urlencode({"next": _after_enrol(user)})
            return redirect(f"{reverse('accounts:enrol')}?{query}")
    return render(
        request,
        "accounts/enrol_link.html",
        {"form": form, "account": user, "new_account": new_account},
    )


def _after_enrol(user: object) -> str:
    """Medical staff land in the clinician area, everyone else in the admin."""
    if user.has_perm(services.MEDICAL_PERMISSION):
        return reverse("clinical:dashboard")
    return reverse("admin:index")
