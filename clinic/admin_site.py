"""The admin site: Django's, with the app list, the sidebar drawn from it and the user links kept
per process.

Every admin page builds the sidebar's app list, asking each registered admin for the user's
permissions on its model, and renders it: about a millisecond on each request of the front
desk's calendar (issue 22). The list depends only on what the user may do (every admin's
permission methods here ask `has_perm`, nothing else), the language and the script prefix: the
three make its key (`access_key`), and the sidebar's key adds the page's path (which entry is
highlighted; clinic/templatetags/admin_sidebar.py). Both are pure functions of their keys for
the code a process runs, so they are kept in the process and never need invalidating: an
account whose rights change has another key at its next request, when its account is read again
(clinic/accounts/auth_cache.py), and staff with the same rights share entries. (Keyed by the
account under a cache generation, as before, a list built from rights read just before a change
could be stored as current: found in review.)

The user links (Django's `userlinks` block) are kept the same way, by what they read: whether
the user is active staff and has a usable password, the site's address, the language and what
their addresses are reversed with. The log-out form's CSRF token is put in for each page.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

T = TypeVar("T")


class ClinicAdminSite(admin.AdminSite):
    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        user = request.user
        if app_label is not None or not user.is_authenticated:
            return super().get_app_list(request, app_label)

        def app_list() -> list[dict]:
            kept = kept_in_process(
                APP_LISTS,
                access_key(request),
                lambda: super(ClinicAdminSite, self).get_app_list(request),
            )
            return copy.deepcopy(kept)  # the kept one is shared: a caller may change its copy

        # Built when first used: every admin page puts it in its context, but on most only the
        # sidebar reads it, and the sidebar is kept rendered.
        return SimpleLazyObject(app_list)


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


# Per process, by key. Emptied when full (a sidebar per admin page: change forms are many) and
# when a setting changes (tests).
APP_LISTS: dict[str, list[dict]] = {}
SIDEBARS: dict[str, str] = {}
USER_LINKS: dict[str, str] = {}
KEPT_LIMIT = 500


def kept_in_process(store: dict[str, T], key: str, make: Callable[[], T]) -> T:
    value = store.get(key)
    if value is None:
        value = make()
        if len(store) >= KEPT_LIMIT:
            store.clear()
        store[key] = value
    return value


@receiver(setting_changed)
def _forget_kept(**kwargs: object) -> None:
    APP_LISTS.clear()
    SIDEBARS.clear()
    USER_LINKS.clear()


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic.admin_site.ClinicAdminSite"
