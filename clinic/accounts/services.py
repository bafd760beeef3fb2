"""Second-factor workflows for staff: enrol an authenticator app, recovery codes, verification."""

from __future__ import annotations

import time
from binascii import unhexlify

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

# Who must use a second factor: everyone who can read screening answers (superusers, the
# Clinician and Clinic manager groups). Reception cannot, and signs in with a password only.
MEDICAL_PERMISSION = "bookings.view_screeninganswer"
RECOVERY_CODE_COUNT = 10
# When a staff session was last used: set at sign-in, checked by clinic.middleware (idle limit).
LAST_SEEN_SESSION_KEY = "staff_last_seen"
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# One 30-second step either side, for phones whose clock is a little off.
TOTP_TOLERANCE = 1


def needs_second_factor(user: AbstractBaseUser) -> bool:
    return bool(user.is_active and user.has_perm(MEDICAL_PERMISSION))


def has_second_factor(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def totp_new_key() -> str:
    """A new secret (hex) for an authenticator being set up; kept in the session till confirmed."""
    return default_key()


def totp_provisioning_uri(*, user: AbstractBaseUser, key: str) -> str:
    """The otpauth:// address the QR code holds (issuer from OTP_TOTP_ISSUER)."""
    return TOTPDevice(user=user, key=key, name=AUTHENTICATOR_NAME).config_url


def _totp_matches(*, key: str, token: str) -> int | None:
    """The time step at which `token` is valid for `key`, or None."""
    if not (token.isdigit() and len(token) == 6):
        return None
    totp = TOTP(unhexlify(key.encode()), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    if totp.verify(int(token), tolerance=TOTP_TOLERANCE):
        return totp.t()
    return None


@transaction.atomic
def totp_enrol(*, user: AbstractBaseUser, key: str, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm a new authenticator with a code from it; it replaces any earlier one.

    Returns the device and a fresh set of recovery codes (the old ones stop working), or raises
    ValueError when the code does not match. Nothing is written for a wrong code.
    """
    step = _totp_matches(key=key, token=normalise_token(token))
    if step is None:
        raise ValueError("wrong code")
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, key=key, name=AUTHENTICATOR_NAME, confirmed=True, last_t=step
    )
    return device, recovery_codes_replace(user=user)


@transaction.atomic
def recovery_codes_replace(*, user: AbstractBaseUser) -> list[str]:
    """A new set of single-use recovery codes; earlier codes stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(*, user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalise_token(token: str) -> str:
    """People type codes with spaces or dashes, and recovery codes in capitals."""
    return "".join(token.split()).replace("-", "").lower()


def second_factor_verify(*, user: AbstractBaseUser, token: str) -> Device | None:
    """The device that accepts `token` (a 6-digit app code or a recovery code), or None.

    A code is tried only on the kind of device it can belong to, so a mistyped app code does not
    slow down the recovery codes (django-otp throttles each device after failures). A recovery
    code works once.
    """
    token = normalise_token(token)
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    for device in model.objects.devices_for_user(user, confirmed=True):
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None
