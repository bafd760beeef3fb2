"""The admin's sidebar is rendered once per staff member, language and section
(clinic/templatetags/admin_sidebar.py) and reads exactly as Django's own (issue 22)."""

from __future__ import annotations

import re
from pathlib import Path

import django
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.template import RequestContext, engines
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from clinic.admin_site import USER_LINKS, ClinicAdminSite
from tests.clinical.conftest import sign_in, staff_user
from tests.second_factor import login_with_second_factor

pytestmark = pytest.mark.django_db

DJANGO_SIDEBAR = Path(django.__file__).parent / "contrib/admin/templates/admin/nav_sidebar.html"
PAGES = [
    "admin:bookings_appointment_calendar",
    "admin:bookings_appointment_changelist",
    "admin:bookings_patient_changelist",
    "admin:treatments_protocol_add",
]


def _sidebar(html: str) -> str:
    start = html.index('<button class="sticky toggle-nav-sidebar"')
    return html[start : html.index("</nav>", start) + len("</nav>")]


def _django_s_sidebar(user, path: str, language: str) -> str:
    request = RequestFactory().get(path)
    request.user = user
    with translation.override(language):
        template = engines["django"].from_string(DJANGO_SIDEBAR.read_text())
        context = {"available_apps": admin.site.get_app_list(request), "request": request}
        return template.template.render(RequestContext(request, context))


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_sidebar_reads_as_django_s_on_every_page(receptionist_client, receptionist, language):
    for name in PAGES * 2:  # the second round from the cache
        path = reverse(name)
        page = receptionist_client.get(path, HTTP_ACCEPT_LANGUAGE=language)

        assert _sidebar(page.text) == _django_s_sidebar(receptionist, path, language).strip()


def test_each_page_highlights_its_own_entry(receptionist_client):
    appointments = receptionist_client.get(reverse("admin:bookings_appointment_changelist")).text
    patients = receptionist_client.get(reverse("admin:bookings_patient_changelist")).text

    assert 'class="model-appointment current-model"' in _sidebar(appointments)
    assert 'class="model-patient"' in _sidebar(appointments)
    assert 'class="model-patient current-model"' in _sidebar(patients)
    assert 'class="model-appointment"' in _sidebar(patients)


def test_an_entry_the_staff_member_may_now_see_shows_at_the_next_request(client):
    """The sidebar is kept under the staff generation, which a permission change renews."""
    user = staff_user("greta", None)
    user.user_permissions.add(Permission.objects.get(codename="view_protocol"))
    sign_in(client, user)
    protocols = reverse("admin:treatments_protocol_changelist")
    exercises = reverse("admin:treatments_product_changelist")
    assert exercises not in _sidebar(client.get(protocols).text)

    user.user_permissions.add(Permission.objects.get(codename="view_product"))

    assert exercises in _sidebar(client.get(protocols).text)


def test_a_permission_removed_while_a_page_is_built_is_gone_from_the_next_sidebar(
    client, monkeypatch
):
    """The account (and its rights) is read before the view runs. A list built from those rights
    after a manager changed them elsewhere must not be kept as the current one (found in review:
    keyed by the account, it stayed for the rest of the staff generation)."""
    user = staff_user("greta", None)
    view_product = Permission.objects.get(codename="view_product")
    user.user_permissions.add(Permission.objects.get(codename="view_protocol"), view_product)
    sign_in(client, user)
    protocols = reverse("admin:treatments_protocol_changelist")
    products = reverse("admin:treatments_product_changelist")
    assert products in _sidebar(client.get(protocols).text)
    client.get(products)

    original = ClinicAdminSite.each_context

    def revoked_while_the_view_runs(self, request):
        user.user_permissions.remove(view_product)
        monkeypatch.setattr(ClinicAdminSite, "each_context", original)
        return original(self, request)

    monkeypatch.setattr(ClinicAdminSite, "each_context", revoked_while_the_view_runs)
    client.get(protocols)  # this page may still show it

    assert client.get(products).status_code == 403
    assert products not in _sidebar(client.get(protocols).text)
    assert products not in client.get(reverse("admin:index")).text


def test_staff_with_the_same_rights_share_one_sidebar_and_others_get_their_own(client):
    first, second, other = (staff_user(name, None) for name in ("ida", "jon", "kai"))
    for user in (first, second):
        user.user_permissions.add(Permission.objects.get(codename="view_protocol"))
    other.user_permissions.add(Permission.objects.get(codename="view_product"))
    protocols = reverse("admin:treatments_protocol_changelist")
    products = reverse("admin:treatments_product_changelist")

    sidebars = [_sidebar(sign_in(Client(), user).get(protocols).text) for user in (first, second)]
    theirs = _sidebar(sign_in(Client(), other).get(products).text)

    assert sidebars[0] == sidebars[1]
    assert protocols in sidebars[0] and products not in sidebars[0]
    assert products in theirs and protocols not in theirs


# --- The user links ------------------------------------------------------------------------------

DJANGO_BASE = Path(django.__file__).parent / "contrib/admin/templates/admin/base.html"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _user_tools(html: str) -> str:
    start = html.index('<div id="user-tools">')
    return html[start : html.index("</div>", start)]


def _django_s_user_tools(page) -> str:
    """Django's own `usertools` block, rendered with the page's context and its CSRF token."""
    base = DJANGO_BASE.read_text()
    start = base.index("{% block usertools %}")
    block = base[start : base.index("{% block nav-global %}", start)]
    template = engines["django"].from_string("{% load i18n %}" + block)
    context = {key: value for layer in page.context for key, value in layer.flatten().items()}
    context["csrf_token"] = CSRF_INPUT.search(page.text).group(1)
    request_context = RequestContext(page.wsgi_request)
    request_context.push(context)  # above the context processors' layer: this page's token
    with translation.override(context["LANGUAGE_CODE"]):
        return _user_tools(template.template.render(request_context))


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_user_links_read_as_django_s_with_each_pages_own_token(receptionist_client, language):
    tokens = set()
    for name in PAGES * 2:  # the second round from what was kept
        page = receptionist_client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)

        assert _user_tools(page.text) == _django_s_user_tools(page)
        tokens.add(CSRF_INPUT.search(_user_tools(page.text)).group(1))
    assert len(tokens) == len(PAGES) * 2  # a fresh mask on every page, as Django's tag gives
    assert USER_LINKS  # and they were kept


def test_without_a_usable_password_there_is_no_password_link(client, receptionist):
    login_with_second_factor(client, receptionist)
    assert reverse("admin:password_change") in _user_tools(client.get(reverse("admin:index")).text)

    receptionist.set_unusable_password()  # signed in with a single sign-on, say
    receptionist.save()
    login_with_second_factor(client, receptionist)
    page = client.get(reverse("admin:index"))

    assert reverse("admin:password_change") not in _user_tools(page.text)
    assert _user_tools(page.text) == _django_s_user_tools(page)


def test_the_kept_links_log_out_with_the_pages_token(receptionist):
    browser = Client(enforce_csrf_checks=True)
    login_with_second_factor(browser, receptionist)
    for _twice in range(2):
        page = browser.get(reverse("admin:index"))
    token = CSRF_INPUT.search(_user_tools(page.text)).group(1)

    logged_out = browser.post(reverse("admin:logout"), {"csrfmiddlewaretoken": token})

    assert logged_out.status_code == 200
    assert browser.get(reverse("admin:index")).status_code == 302
