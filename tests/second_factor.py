"""Sign staff in past the second factor (every staff account needs one: reception too).

- `login_with_second_factor(client, user)`: a test client signed in and verified.
- `authenticator_code(user)`: a current code of the user's authenticator (created, confirmed,
  when the user has none), for tests that type it into the verification page.
- `code_for_secret(secret)`: a current code for the typed key the setup page shows (what the
  staff member's app computes after scanning the QR code).
"""

from base64 import b32decode
from binascii import unhexlify

from django.contrib.auth.base_user import AbstractBaseUser
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def login_with_second_factor(client: Client, user: AbstractBaseUser) -> TOTPDevice:
    """force_login plus a confirmed authenticator that verified this session.

    With force_login alone, every page under /admin/ and /<lang>/staff/ redirects a staff
    member to the verification page (or, without an authenticator, to the setup page).
    """
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, defaults={"name": "Authenticator app", "confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def authenticator_code(user: AbstractBaseUser) -> str:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "Authenticator app"}
    )
    return f"{totp(unhexlify(device.key)):06d}"


def code_for_secret(secret: str) -> str:
    plain = "".join(secret.split()).upper()
    return f"{totp(b32decode(plain + '=' * (-len(plain) % 8))):06d}"
