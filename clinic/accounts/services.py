"""Second-factor workflows for staff: enrol an authenticator app, recovery codes, verification."""

from __future__ import annotations

import hashlib
import secrets
import time
from base64 import b32encode
from binascii import unhexlify

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

# Who must use a second factor: every staff account. Reception too: it sees who is booked for
# which treatment, which is health data (GDPR Art. 9).
MEDICAL_PERMISSION = "bookings.view_screeninganswer"
RECOVERY_CODE_COUNT = 10
# 60 random bits each, typed as three groups of four; stored only as a hash (see _code_hash).
RECOVERY_CODE_BYTES = 8
RECOVERY_CODE_LENGTH = 12
# When a staff session was last used: set at sign-in, checked by clinic.middleware (idle limit).
LAST_SEEN_SESSION_KEY = "staff_last_seen"
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# One 30-second step either side, for phones whose clock is a little off.
TOTP_TOLERANCE = 1


def needs_second_factor(user: AbstractBaseUser) -> bool:
    """Every staff account: the staff flag, a role (group), or access to medical data."""
    if not user.is_active:
        return False
    return bool(
        user.is_staff
        or user.is_superuser
        or user.has_perm(MEDICAL_PERMISSION)
        or user.groups.exists()
    )


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


def _code_hash(*, user: AbstractBaseUser, code: str) -> str:
    """What is stored of a recovery code: SHA-256 of the user's id and the code, cut to the 16
    characters django-otp's token column holds (80 bits). The user's id keeps one guess from
    testing every account's codes at once; 60 random bits per code keep guessing hopeless."""
    digest = hashlib.sha256(f"{user.pk}:{normalise_token(code)}".encode()).digest()
    return b32encode(digest).decode("ascii").lower()[:16]


def _recovery_code_new() -> str:
    code = b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode("ascii").lower()
    return code[:RECOVERY_CODE_LENGTH]


def recovery_code_display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@transaction.atomic
def recovery_codes_replace(*, user: AbstractBaseUser) -> list[str]:
    """A new set of single-use recovery codes; earlier codes stop working.

    Returns the codes to show once; only their hashes are stored.
    """
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [_recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=_code_hash(user=user, code=code)) for code in codes
    )
    return [recovery_code_display(code) for code in codes]


@transaction.atomic
def second_factor_remove(*, user: AbstractBaseUser) -> None:
    """The authenticator and every recovery code stop working (a lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


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
    if model is StaticDevice:
        # Recovery codes are stored hashed: compare hashes (whatever is typed is hashed, so
        # typing a stored hash does not work either).
        token = _code_hash(user=user, code=token)
    for device in model.objects.devices_for_user(user, confirmed=True):
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None
