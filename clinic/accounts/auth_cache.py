"""A signed-in staff member's account, permissions and second-factor device, read through the
shared cache.

Every staff request used to read the user, their second-factor device and their permissions
(two tables) before the page's own rows: four queries, about a third of a staff page's database
work (issue 22). They are now read through the `STAFF` cache generation (common.generations),
which every change that could alter them renews, at once and again after commit:

- an account saved or deleted, its groups or permissions changed, a group's permissions changed,
  a permission row changed (`connect()` below);
- a second-factor device of any kind saved or deleted (a new, confirmed, throttled or removed
  authenticator or recovery codes);
- a clinician profile saved or deleted (it comes with the account: the clinician area asks for it
  on every page);

A queryset `.update()` sends no signal: account changes are saves (`staff_deactivate` too).

So a deactivated account is signed out, and a removed permission refused, at the next request.
The session's password hash is still checked on every request against the cached account, whose
password field changes with the account (a save). Entries and the generation expire after a
minute, which bounds what a change made without a signal, or while the cache was down, can leave.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from bookings.models import Clinician
from common.generations import STAFF

BACKEND = "clinic.accounts.auth_cache.CachedModelBackend"


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend, with the account and its permissions read through the cache.

    The permission sets ModelBackend keeps on the user object for one request
    (`_user_perm_cache`, `_group_perm_cache`, `_perm_cache`) are filled before the account is
    stored, so they come back with it and `has_perm` asks no query."""

    def get_user(self, user_id: Any) -> Any:
        return STAFF.read_through(user_key(user_id), lambda: self._load(user_id))

    def _load(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("clinician").get(pk=user_id)
        except model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        self.get_all_permissions(user)  # fills the per-object permission caches (two queries)
        return user


class CachedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, with the device that verified the session read through the cache,
    in the same round trip as the account.

    django-otp still checks that the device belongs to the signed-in user and is confirmed."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        # Where the user is first needed: the account (AuthenticationMiddleware's lazy user) and
        # the device are both read below, from one round trip to the cache.
        with STAFF.prefetched(_staff_keys(request)):
            return super()._verify_user_sync(request, user)

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        return STAFF.read_through(
            device_key(persistent_id),
            lambda: super(CachedOTPMiddleware, self)._device_from_persistent_id(persistent_id),
        )


def user_key(user_id: Any) -> str:
    return f"auth:user:{user_id}"


def device_key(persistent_id: str) -> str:
    return f"auth:device:{persistent_id}"


def _staff_keys(request: HttpRequest) -> list[str]:
    """The cache keys of the session's account and device, as the reads above will ask for them
    (Django's `get_user` converts the session's id to the primary key's type first); none for a
    session without an account or signed in through another backend."""
    session = request.session
    if session.get(BACKEND_SESSION_KEY) != BACKEND or SESSION_KEY not in session:
        return []
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
    except ValidationError:
        return []
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    return [user_key(user_id), *([device_key(persistent_id)] if persistent_id else [])]


def _device_models() -> list[type[Device]]:
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if issubclass(model, Device) and not model._meta.abstract
    ]


def connect() -> None:
    renew = STAFF.renew_now_and_after_commit
    user_model = get_user_model()
    for model in (user_model, Group, Permission, Clinician, *_device_models()):
        post_save.connect(renew, sender=model, dispatch_uid=f"staff-cache-saved-{model}")
        post_delete.connect(renew, sender=model, dispatch_uid=f"staff-cache-deleted-{model}")
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(renew, sender=through, dispatch_uid=f"staff-cache-m2m-{through}")
