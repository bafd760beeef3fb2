"""The admin's sidebar, rendered once per set of rights, language and page in each process
(issue 22; why this is safe without invalidation: clinic/admin_site.py).

templates/admin/includes/nav_sidebar.html is Django's own template, unchanged. On a page whose
sidebar is kept, the app list is not built at all (`ClinicAdminSite.get_app_list` is lazy).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from clinic.admin_site import SIDEBARS, access_key, kept_in_process

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_sidebar(context: template.RequestContext) -> SafeString:
    request = context["request"]
    # The app list's own key (the user's rights, language, script prefix) and the path, which
    # decides the highlighted entry. The app list itself is read only to render.
    key = f"{access_key(request)}|{request.path}"

    def render() -> str:
        sidebar = context.template.engine.get_template("admin/includes/nav_sidebar.html")
        return str(sidebar.render(context))

    return mark_safe(kept_in_process(SIDEBARS, key, render))  # Django's template, rendered
