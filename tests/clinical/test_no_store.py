"""Every staff page is sent with `Cache-Control: no-store`: the admin and /<lang>/staff/ show
patients' names and medical data, which must not stay in a shared browser's cache or a proxy.

The URLs are not listed by hand: every route of the staff area and every admin page of every
registered model (list, add, change, history, delete) is requested, so a page added later is
covered by the same test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import LocalePrefixPattern, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone
from django.utils.translation import override

from bookings.models import PlanStatus
from clinic.accounts import urls as account_urls
from clinical import urls as staff_urls
from tests.clinical.conftest import sign_in, staff_user

pytestmark = pytest.mark.django_db


def staff_url_modules() -> list:
    """Every URL module included under /<lang>/staff/ in the project's URLconf."""
    found = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and isinstance(entry.pattern, LocalePrefixPattern):
            for included in entry.url_patterns:
                if isinstance(included, URLResolver) and str(included.pattern).startswith("staff/"):
                    found.append(included.urlconf_module)
    return found


def staff_area_urls(*, plan, appointment) -> list[str]:
    ids = {"plan_id": plan.pk, "appointment_id": appointment.pk}
    urls = []
    modules = staff_url_modules()
    assert staff_urls in modules
    for module in modules:
        for pattern in module.urlpatterns:
            assert isinstance(pattern, URLPattern)
            kwargs = {
                name: ids.get(name, 1 if isinstance(converter, IntConverter) else "before")
                for name, converter in pattern.pattern.converters.items()
            }
            for language in ("en", "de", "tr"):
                with override(language):
                    urls.append(reverse(f"{module.app_name}:{pattern.name}", kwargs=kwargs))
    return urls


def admin_urls() -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        urls.append(reverse("admin:app_list", args=[meta.app_label]))
        urls.append(reverse(f"{prefix}_changelist"))
        urls.append(reverse(f"{prefix}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            for view in ("change", "history", "delete"):
                urls.append(reverse(f"{prefix}_{view}", args=[first.pk]))
    return sorted(set(urls))


def sent_without_no_store(client, urls: list[str]) -> list[str]:
    """The URLs (with their status) whose response may be stored; none may be a server error."""
    missing = []
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if "no-store" not in response.get("Cache-Control", ""):
            missing.append(f"{url} ({response.status_code})")
    return missing


@pytest.fixture
def booked(make_plan, clinician, patient):
    # Awaiting review: the dashboard lists it with the patient's name.
    plan = make_plan(
        clinician=clinician,
        patient=patient,
        status=PlanStatus.AWAITING_REVIEW,
        first_start=timezone.now() + timedelta(days=1),
    )
    return plan, plan.appointments.get(sequence=1)


def test_the_clinician_dashboard_shows_patients_and_is_never_stored(client, clinician, booked):
    sign_in(client, clinician.user)

    response = client.get(reverse("clinical:dashboard"))

    assert response.status_code == 200
    assert "Maria Schneider" in response.text
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_every_page_of_the_staff_area_is_sent_with_no_store(client, clinician, booked):
    plan, appointment = booked
    sign_in(client, clinician.user)
    urls = staff_area_urls(plan=plan, appointment=appointment)
    assert len(urls) >= 3 * 10

    assert sent_without_no_store(client, urls) == []


def test_every_admin_page_is_sent_with_no_store(client, booked):
    superuser = staff_user("root", None, is_superuser=True)
    sign_in(client, superuser)
    urls = admin_urls()
    assert reverse("admin:bookings_patient_change", args=[booked[0].patient_id]) in urls

    assert sent_without_no_store(client, urls) == []
    patient_page = client.get(reverse("admin:bookings_patient_change", args=[booked[0].patient_id]))
    assert "Maria Schneider" in patient_page.text


def test_every_page_of_a_staff_members_own_account_is_sent_with_no_store(client, clinician):
    # The authenticator's secret and the recovery codes are shown on these pages, once.
    sign_in(client, clinician.user)
    client.post(reverse("accounts:recovery-codes"))  # new codes, shown on the next page
    urls = []
    for pattern in account_urls.urlpatterns:
        kwargs = dict.fromkeys(pattern.pattern.converters, "not-a-real-token")
        for language in ("en", "de", "tr"):
            with override(language):
                urls.append(reverse(f"accounts:{pattern.name}", kwargs=kwargs))

    assert sent_without_no_store(client, urls) == []
    codes = client.get(reverse("accounts:recovery-codes"))
    enrol = client.get(reverse("accounts:enrol"))
    assert "recovery-codes" in codes.text and enrol.context["secret"] in enrol.text


def test_public_pages_stay_cacheable(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
