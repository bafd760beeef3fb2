"""The admin's sidebar and user links, each rendered once per process for what decides them
(issue 22; why this is safe without invalidation: clinic/admin_site.py).

templates/admin/includes/nav_sidebar.html and userlinks.html are Django's own template and
block, unchanged. On a page whose sidebar is kept, the app list is not built at all
(`ClinicAdminSite.get_app_list` is lazy).
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from clinic.admin_site import SIDEBARS, USER_LINKS, access_key, kept_in_process
from common.templatetags.kept_urls import current_app_of

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


# Stands for the CSRF token in a kept rendering of the user links; each page puts its own in.
CSRF_PLACEHOLDER = "kept-user-links-csrf-token-7c1d0e5a9b"


@register.simple_tag(takes_context=True)
def admin_userlinks(context: template.RequestContext) -> SafeString:
    """Django's `userlinks` block: the site, the documentation (when installed), the password
    change and the log-out form with the page's CSRF token, and the theme toggle. Kept per
    process by everything it reads: whether the user is active staff and has a usable password,
    the site's address, the language (its texts) and what its addresses are reversed with."""
    links = context.template.engine.get_template("admin/includes/userlinks.html")
    token = context.get("csrf_token")
    if not token or str(token) == "NOTPROVIDED":  # no form token to put in: as Django renders it
        return links.render(context)
    user = context.get("user")
    key = repr(
        (
            context.get("site_url"),
            bool(user.is_active and user.is_staff),
            user.has_usable_password(),
            get_language(),
            get_script_prefix(),
            get_urlconf(),
            current_app_of(context),
        )
    )

    def render() -> str:
        with context.push(csrf_token=CSRF_PLACEHOLDER):
            return str(links.render(context))

    kept = kept_in_process(USER_LINKS, key, render)
    # The token is letters and digits (Django's), the rest Django's template rendered.
    return mark_safe(kept.replace(CSRF_PLACEHOLDER, str(token)))
