"""The staff area's navigation (templates/clinical/base.html), built in Python.

The template block cost about 0.4 ms of every staff page, the dashboard included (six URL tags,
the resolver match read again for each link, a permission and a profile lookup): half the
staff area's layout (issue 22). The markup is the block's, character for character;
tests/clinical/test_staff_nav.py renders both and compares them.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from clinical.access import clinician_of
from common.markup import conditional_escape, csrf_input
from common.templatetags.kept_urls import reverse_kept

register = template.Library()


def _item(url: str, label: str, active: bool) -> str:
    link = (
        f'class="nav-link active" href="{conditional_escape(url)}" aria-current="page"'
        if active
        else f'class="nav-link" href="{conditional_escape(url)}"'
    )
    return f'<li class="nav-item"><a {link}>{conditional_escape(label)}</a></li>'


@register.simple_tag(takes_context=True)
def staff_nav(context: template.RequestContext) -> SafeString:
    user = context["user"]
    if not user.is_authenticated:
        return mark_safe("\n\n")
    match = context["request"].resolver_match
    url_name, app_name, namespace = (
        (match.url_name, match.app_name, match.namespace) if match else (None, None, None)
    )
    items = [
        _item(reverse_kept("clinical:dashboard"), gettext("My dashboard"), url_name == "dashboard"),
        _item(reverse_kept("clinical:outcomes"), gettext("Outcomes"), url_name == "outcomes"),
        _item(reverse_kept("reports:overview"), gettext("Reports"), app_name == "reports"),
        _item(reverse_kept("clinical:lot-recall"), gettext("Lot recall"), url_name == "lot-recall"),
    ]
    optional = [
        _item(
            reverse_kept("calendar-settings:settings"),
            gettext("Calendar subscription"),
            namespace == "calendar-settings",
        )
        if clinician_of(user)
        else "",
        _item(
            reverse_kept("staff-accounts:list"),
            gettext("Staff accounts"),
            namespace == "staff-accounts",
        )
        if user.has_perm("clinic.manage_staff")
        else "",
    ]
    token = csrf_input(context)
    logout = reverse_kept("clinical:logout")
    sign_out = gettext("Sign out (%(name)s)") % {"name": conditional_escape(user.get_username())}
    return mark_safe(  # every value is escaped above, or is a URL reversed from the project's own
        "\n\n\n"
        + "\n".join(items)
        + "\n\n"
        + "\n".join(optional)
        + "\n\n"
        + '<li class="nav-item">\n'
        + f'  <form method="post" action="{logout}" class="d-inline">{token}\n'
        + f'    <button type="submit" class="btn btn-link nav-link">{sign_out}</button>\n'
        + "  </form>\n</li>\n\n\n"
    )
