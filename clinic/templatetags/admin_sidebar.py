"""The admin's sidebar, rendered once per set of rights, language and page while the staff
generation lasts (issue 22).

Django renders the sidebar's list of apps and models on every admin page: about 0.6 ms of the
front desk's calendar, reloaded all day. Its markup depends only on the app list (what the user
may do, the language and the script prefix: `clinic.admin_site.access_key`) and the page's path
(which entry is highlighted), so those are its key. On a page whose sidebar is kept, the app list
is not read at all (`ClinicAdminSite.get_app_list` gives it lazily).
templates/admin/includes/nav_sidebar.html is Django's own template, unchanged.
"""

from __future__ import annotations

import hashlib

from django import template
from django.utils.safestring import SafeString, mark_safe

from clinic.admin_site import access_key
from common.generations import STAFF

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_sidebar(context: template.RequestContext) -> SafeString:
    request = context["request"]
    # The app list's own key (the user's rights, language, script prefix) and the path, which
    # decides the highlighted entry. The app list itself is read only to render.
    where = f"{access_key(request)}|{request.path}"
    key = f"admin-sidebar:{hashlib.sha256(where.encode()).hexdigest()}"

    def render() -> str:
        sidebar = context.template.engine.get_template("admin/includes/nav_sidebar.html")
        return str(sidebar.render(context))

    return mark_safe(STAFF.read_through(key, render))  # rendered by Django's template above
