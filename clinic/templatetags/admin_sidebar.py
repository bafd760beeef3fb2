"""The admin's sidebar, rendered once per staff member and page while the staff generation
lasts (issue 22).

Django renders the sidebar's list of apps and models on every admin page: about 0.6 ms of the
front desk's calendar, reloaded all day. Its markup depends only on the staff member's app list
(their permissions: `ClinicAdminSite.get_app_list` keeps it under the same `STAFF` generation,
which every change to an account, group or permission renews), the language, the script prefix,
and the page's path (which entry is highlighted). On a page whose sidebar is kept, the app list
is not read at all (`ClinicAdminSite.get_app_list` gives it lazily).
templates/admin/includes/nav_sidebar.html is Django's own template, unchanged.
"""

from __future__ import annotations

import hashlib

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from common.generations import STAFF

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_sidebar(context: template.RequestContext) -> SafeString:
    request = context["request"]
    # The path decides which entry is highlighted. The app list itself is read only to render.
    where = "|".join([get_language() or "", request.META.get("SCRIPT_NAME", ""), request.path])
    key = f"admin-sidebar:{request.user.pk}:{hashlib.sha256(where.encode()).hexdigest()}"

    def render() -> str:
        sidebar = context.template.engine.get_template("admin/includes/nav_sidebar.html")
        return str(sidebar.render(context))

    return mark_safe(STAFF.read_through(key, render))  # rendered by Django's template above
