"""The admin's sidebar is rendered once per staff member, language and section
(clinic/templatetags/admin_sidebar.py) and reads exactly as Django's own (issue 22)."""

from __future__ import annotations

from pathlib import Path

import django
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.template import RequestContext, engines
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from clinic.admin_site import ClinicAdminSite
from tests.clinical.conftest import sign_in, staff_user

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
