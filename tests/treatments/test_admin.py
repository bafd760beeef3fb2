"""Reception staff manage the catalogue in the admin; nobody else gets in."""

import html
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.factories import IndicationFactory, ProtocolFactory, UserFactory
from tests.second_factor import login_with_second_factor
from treatments.models import Protocol

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    reverse("admin:treatments_protocol_changelist"),
    reverse("admin:treatments_protocol_add"),
    reverse("admin:treatments_indication_changelist"),
    reverse("admin:treatments_indication_add"),
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_load_for_staff(receptionist_client, url):
    ProtocolFactory()

    response = receptionist_client.get(url)

    assert response.status_code == 200
    # The admin carries the clinic's name, not Django's.
    assert settings.CLINIC_NAME in response.text
    assert "Django administration" not in response.text


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_redirect_anonymous_visitors_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_protocol_change_page_loads_with_its_filters(receptionist_client):
    protocol = ProtocolFactory(indications=[IndicationFactory()])

    changelist = receptionist_client.get(
        reverse("admin:treatments_protocol_changelist"), {"source__exact": protocol.source}
    )
    change = receptionist_client.get(
        reverse("admin:treatments_protocol_change", args=[protocol.pk])
    )

    assert protocol.name in changelist.text
    assert change.status_code == 200
    assert 'name="session_count"' in change.text


def protocol_form_data(**changes: object) -> dict[str, object]:
    """What the admin's protocol form posts for a valid ready-made course."""
    data = {
        "name_en": "Acne scar course",
        "slug": "acne-scar-course",
        "source": "msc_ready_made",
        "indications": [],
        "procedure": "microneedling",
        "session_count": 3,
        "min_interval_days": 21,
        "max_interval_days": 35,
        "session_minutes": 60,
        "preparation_minutes": 0,
        "lab_lead_days": 0,
        "price": "1200.00",
        "summary_en": "s",
        "description_en": "d",
        "what_to_expect_en": "w",
        "aftercare_en": "a",
        "display_order": 0,
    }
    data.update(changes)
    return data


def test_admin_shows_a_readable_error_for_a_bad_course(receptionist_client):
    indication = IndicationFactory()
    data = protocol_form_data(
        name_en="Bad course",
        slug="bad-course",
        source="prp_own",
        indications=[indication.pk],
        session_count=4,
        min_interval_days=30,
        max_interval_days=20,
        price="100",
    )

    response = receptionist_client.post(reverse("admin:treatments_protocol_add"), data)

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 3." in response.text
    assert "must not be less than the minimum (30)" in response.text
    assert "need a preparation visit" in response.text
    assert not Protocol.objects.exists()


# --- Filters, search and slugs ------------------------------------------------------------------


def prepopulated_fields(response) -> list[dict]:
    """The admin's prepopulate wiring, as its JavaScript reads it from the page."""
    match = re.search(r'data-prepopulated-fields="([^"]*)"', response.text)
    assert match, "the page does not wire any prepopulated field"
    return json.loads(html.unescape(match.group(1)))


def test_protocol_changelist_filters_by_published_source_procedure_and_indication(
    receptionist_client,
):
    ProtocolFactory(indications=[IndicationFactory()])

    response = receptionist_client.get(reverse("admin:treatments_protocol_changelist"))

    titles = [str(spec.title) for spec in response.context["cl"].filter_specs]
    assert titles == ["published", "exosome source", "combined procedure", "indications"]
    assert "By exosome source" in response.text


def test_protocol_changelist_filter_narrows_the_list(receptionist_client):
    ProtocolFactory(name="Laser MSC", laser=True)
    ProtocolFactory(name="PRP scalp", autologous_prp=True)

    response = receptionist_client.get(
        reverse("admin:treatments_protocol_changelist"), {"source__exact": "prp_own"}
    )

    assert [protocol.name for protocol in response.context["cl"].result_list] == ["PRP scalp"]
    assert "Laser MSC" not in response.text


def test_protocol_search_by_name_lists_only_that_protocol(receptionist_client):
    ProtocolFactory(name="Laser MSC", slug="laser-msc")
    ProtocolFactory(name="PRP scalp", slug="prp-scalp", autologous_prp=True)

    response = receptionist_client.get(
        reverse("admin:treatments_protocol_changelist"), {"q": "PRP scalp"}
    )

    assert [protocol.name for protocol in response.context["cl"].result_list] == ["PRP scalp"]
    assert "PRP scalp" in response.text
    assert "Laser MSC" not in response.text


def test_protocol_add_page_fills_the_slug_from_the_english_name(receptionist_client):
    response = receptionist_client.get(reverse("admin:treatments_protocol_add"))

    [slug] = prepopulated_fields(response)
    assert (slug["id"], slug["dependency_ids"]) == ("#id_slug", ["#id_name_en"])
    assert 'id="id_slug"' in response.text
    assert 'id="id_name_en"' in response.text


def test_indication_search_by_name_lists_only_that_indication(receptionist_client):
    IndicationFactory(slug="acne-scars", name="Acne scars")
    IndicationFactory(slug="hair-loss", name="Hair loss")

    response = receptionist_client.get(
        reverse("admin:treatments_indication_changelist"), {"q": "hair"}
    )

    assert [indication.name for indication in response.context["cl"].result_list] == ["Hair loss"]
    assert "Acne scars" not in response.text


def test_indication_add_page_fills_the_slug_from_the_english_name(receptionist_client):
    response = receptionist_client.get(reverse("admin:treatments_indication_add"))

    [slug] = prepopulated_fields(response)
    assert (slug["id"], slug["dependency_ids"]) == ("#id_slug", ["#id_name_en"])


# --- Staff with limited rights ------------------------------------------------------------------


def staff_client(*codenames: str) -> Client:
    """A logged-in staff member (not a superuser) holding only the given treatments rights."""
    user = UserFactory(username="limited-staff", is_staff=True, is_superuser=False)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="treatments", codename__in=codenames)
    )
    client = Client()
    login_with_second_factor(client, user)  # every staff account needs a second factor
    return client


def test_staff_with_view_and_change_rights_can_edit_protocols():
    hair = IndicationFactory(slug="hair-loss")
    protocol = ProtocolFactory(name="PRP scalp", slug="prp-scalp", indications=[hair])
    client = staff_client("view_protocol", "change_protocol")

    changelist = client.get(reverse("admin:treatments_protocol_changelist"))
    change_url = reverse("admin:treatments_protocol_change", args=[protocol.pk])
    change = client.get(change_url)
    saved = client.post(
        change_url,
        protocol_form_data(
            name_en="PRP scalp", slug="prp-scalp", indications=[hair.pk], price="1350.00"
        ),
    )

    assert changelist.status_code == 200
    assert "PRP scalp" in changelist.text
    assert change.status_code == 200
    assert 'name="session_count"' in change.text
    assert saved.status_code == 302
    protocol.refresh_from_db()
    assert protocol.price == Decimal("1350.00")


def test_staff_with_only_the_view_right_sees_protocols_read_only():
    protocol = ProtocolFactory(name="PRP scalp", price=Decimal("1200.00"))
    client = staff_client("view_protocol")
    change_url = reverse("admin:treatments_protocol_change", args=[protocol.pk])

    change = client.get(change_url)
    refused = client.post(change_url, protocol_form_data(price="1.00"))

    assert change.status_code == 200
    assert "PRP scalp" in change.text
    assert 'name="session_count"' not in change.text
    assert refused.status_code == 403
    protocol.refresh_from_db()
    assert protocol.price == Decimal("1200.00")


@pytest.mark.parametrize(
    "url_name", ["admin:treatments_protocol_changelist", "admin:treatments_protocol_change"]
)
def test_staff_without_treatments_rights_are_refused(url_name):
    protocol = ProtocolFactory(name="PRP scalp")
    client = staff_client()
    url = reverse(url_name, args=[protocol.pk] if url_name.endswith("change") else [])

    response = client.get(url)

    assert response.status_code == 403
    assert "PRP scalp" not in response.text


def test_anonymous_visitors_are_sent_to_login_from_a_protocol_change_page(client):
    protocol = ProtocolFactory()
    url = reverse("admin:treatments_protocol_change", args=[protocol.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
