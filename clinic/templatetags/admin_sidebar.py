"""The admin's sidebar, rendered once per staff member and section while the staff generation
lasts (issue 22).

Django renders the sidebar's list of apps and models on every admin page: about 0.6 ms of the
front desk's calendar, reloaded all day. Its markup depends only on the staff member's app list
(their permissions: `ClinicAdminSite.get_app_list` keeps it under the same `STAFF` generation,
which every change to an account, group or permission renews), the language, the script prefix,
and which of the listed apps and models the current page is under (the highlighted entry).
templates/admin/includes/nav_sidebar.html is Django's own template, unchanged.
"""

from __future__ import annotations

import hashlib

from django import template
from django.template.defaultfilters import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from common.generations import STAFF

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_sidebar(context: template.RequestContext) -> SafeString:
    request = context["request"]
    apps = context.get("available_apps") or []
    # What Django's template highlights: each app and model whose URL the page's path contains.
    path = urlencode(request.path)
    current = [
        url
        for app in apps
        for url in (app["app_url"], *(model.get("admin_url") for model in app["models"]))
        if url and url in path
    ]
    where = "|".join([get_language() or "", request.META.get("SCRIPT_NAME", ""), *current])
    key = f"admin-sidebar:{request.user.pk}:{hashlib.sha256(where.encode()).hexdigest()}"

    def render() -> str:
        sidebar = context.template.engine.get_template("admin/includes/nav_sidebar.html")
        return str(sidebar.render(context))

    return mark_safe(STAFF.read_through(key, render))  # rendered by Django's template above
