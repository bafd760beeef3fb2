"""Sign a test client in past the second factor (staff who can see medical data need one)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def login_with_second_factor(client: Client, user: AbstractBaseUser) -> TOTPDevice:
    """force_login plus a confirmed authenticator that verified this session.

    Use it for superusers, clinicians and clinic managers: with force_login alone, every page
    under /admin/ and /<lang>/staff/ redirects them to the verification page.
    """
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, defaults={"name": "Authenticator app", "confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
