"""The admin site: Django's, with the app list kept in the cache.

Every admin page builds the sidebar's app list, asking each registered admin for the user's
permissions on its model: about a millisecond on each request of the front desk's calendar
(issue 22). The list depends only on what the user may do (every admin's permission methods here
ask `has_perm`, nothing else), the language and the script prefix, so it is kept under a key
made of exactly those (`access_key`): staff with the same rights share it, and an account whose
rights change asks for another key at its next request. Keyed by the account instead, a list
built from rights read just before a change could be stored as current and shown for the rest of
the `STAFF` generation (common.generations) it is kept under.
"""

from __future__ import annotations

import hashlib

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from common.generations import STAFF


class ClinicAdminSite(admin.AdminSite):
    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        user = request.user
        if app_label is not None or not user.is_authenticated:
            return super().get_app_list(request, app_label)
        key = f"admin-apps:{access_key(request)}"
        # Read when first used: every admin page puts it in its context, but on most only the
        # sidebar reads it, and the sidebar is kept rendered (clinic/templatetags/admin_sidebar.py).
        return SimpleLazyObject(
            lambda: STAFF.read_through(
                key, lambda: _in_words(super(ClinicAdminSite, self).get_app_list(request))
            )
        )


def access_key(request: HttpRequest) -> str:
    """What the admin's app list is built from: the signed-in user's rights, the language and
    the script prefix (a hash: the permissions are many)."""
    user = request.user
    rights = (
        user.is_active,
        user.is_staff,
        user.is_superuser,
        sorted(user.get_all_permissions()),
        get_language(),
        request.META.get("SCRIPT_NAME", ""),
    )
    return hashlib.sha256(repr(rights).encode()).hexdigest()


def _in_words(app_list: list[dict]) -> list[dict]:
    """The names as text in the current language (the key holds it): lazy translations cannot
    be stored in a shared cache. The model classes are left out (no admin template reads them):
    an entry naming a class a deploy renamed could not be read back."""
    for app in app_list:
        app["name"] = str(app["name"])
        for model in app["models"]:
            model["name"] = str(model["name"])
            model.pop("model", None)
    return app_list


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic.admin_site.ClinicAdminSite"
