"""The staff area's navigation, built in Python (clinical/templatetags/staff_nav.py), is the
markup of the template block it replaces, character for character."""

from __future__ import annotations

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.models import AnonymousUser, Permission
from django.template import Context, engines
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation

from clinical.roles import CLINIC_MANAGER, CLINICIAN
from tests.clinical.conftest import staff_user
from tests.factories import ClinicianFactory

pytestmark = pytest.mark.django_db

# The nav_extra block of templates/clinical/base.html before it moved into the tag.
TEMPLATE_BLOCK = """{% load i18n %}
{% if user.is_authenticated %}
{% with url_name=request.resolver_match.url_name %}
<li class="nav-item"><a class="nav-link{% if url_name == 'dashboard' %} active{% endif %}" href="{% url 'clinical:dashboard' %}"{% if url_name == 'dashboard' %} aria-current="page"{% endif %}>{% translate "My dashboard" %}</a></li>
<li class="nav-item"><a class="nav-link{% if url_name == 'outcomes' %} active{% endif %}" href="{% url 'clinical:outcomes' %}"{% if url_name == 'outcomes' %} aria-current="page"{% endif %}>{% translate "Outcomes" %}</a></li>
<li class="nav-item"><a class="nav-link{% if request.resolver_match.app_name == 'reports' %} active{% endif %}" href="{% url 'reports:overview' %}"{% if request.resolver_match.app_name == 'reports' %} aria-current="page"{% endif %}>{% translate "Reports" %}</a></li>
<li class="nav-item"><a class="nav-link{% if url_name == 'lot-recall' %} active{% endif %}" href="{% url 'clinical:lot-recall' %}"{% if url_name == 'lot-recall' %} aria-current="page"{% endif %}>{% translate "Lot recall" %}</a></li>
{% with namespace=request.resolver_match.namespace %}
{% if user.clinician %}<li class="nav-item"><a class="nav-link{% if namespace == 'calendar-settings' %} active{% endif %}" href="{% url 'calendar-settings:settings' %}"{% if namespace == 'calendar-settings' %} aria-current="page"{% endif %}>{% translate "Calendar subscription" %}</a></li>{% endif %}
{% if perms.clinic.manage_staff %}<li class="nav-item"><a class="nav-link{% if namespace == 'staff-accounts' %} active{% endif %}" href="{% url 'staff-accounts:list' %}"{% if namespace == 'staff-accounts' %} aria-current="page"{% endif %}>{% translate "Staff accounts" %}</a></li>{% endif %}
{% endwith %}
<li class="nav-item">
  <form method="post" action="{% url 'clinical:logout' %}" class="d-inline">{% csrf_token %}
    <button type="submit" class="btn btn-link nav-link">{% blocktranslate with name=user.get_username %}Sign out ({{ name }}){% endblocktranslate %}</button>
  </form>
</li>
{% endwith %}
{% endif %}
"""  # noqa: E501

PAGES = [
    "clinical:dashboard",
    "clinical:outcomes",
    "reports:overview",
    "clinical:lot-recall",
    "calendar-settings:settings",
    "staff-accounts:list",
    "clinical:login",
]


def _render(source: str, user, path: str, *, csrf_token: str | None) -> str:
    request = RequestFactory().get(path)
    request.user = user
    request.resolver_match = resolve(path)
    context = {"user": user, "perms": PermWrapper(user), "request": request}
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    template = engines["django"].from_string(source)
    return template.template.render(Context(context))


def _people():
    clinician = ClinicianFactory(user=staff_user("anna<b>", CLINICIAN)).user
    manager = staff_user("lena", CLINIC_MANAGER)
    manager.user_permissions.add(Permission.objects.get(codename="manage_staff"))
    return [clinician, manager, staff_user("plain", None), AnonymousUser()]


@pytest.mark.parametrize("language", ["en", "de", "tr"])
# Django's own {% csrf_token %} warns about its "NOTPROVIDED" case, which the old block renders.
@pytest.mark.filterwarnings("ignore::django.utils.deprecation.RemovedInDjango60Warning")
def test_the_navigation_is_the_template_block_s_markup(language):
    for user in _people():
        for name in PAGES:
            for csrf_token in ("a-token", None, "NOTPROVIDED"):
                with translation.override(language):
                    path = reverse(name)
                    old = _render(TEMPLATE_BLOCK, user, path, csrf_token=csrf_token)
                    new = _render(
                        "{% load staff_nav %}{% staff_nav %}", user, path, csrf_token=csrf_token
                    )
                assert new == old, (user, name, csrf_token)


def test_the_current_page_s_link_is_marked():
    html = _render(
        "{% load staff_nav %}{% staff_nav %}",
        _people()[0],
        reverse("clinical:outcomes"),
        csrf_token="t",
    )

    assert 'class="nav-link active" href="/en/staff/outcomes/" aria-current="page"' in html
    assert 'class="nav-link" href="/en/staff/"' in html
    assert "Sign out (anna&lt;b&gt;)" in html
