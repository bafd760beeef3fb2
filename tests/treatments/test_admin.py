"""Reception staff manage the catalogue in the admin; nobody else gets in."""

import pytest
from django.urls import reverse

from tests.factories import IndicationFactory, ProtocolFactory
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
    assert "Django administration" in response.text or "Site administration" in response.text


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


def test_admin_shows_a_readable_error_for_a_bad_course(receptionist_client):
    indication = IndicationFactory()
    data = {
        "name_en": "Bad course",
        "slug": "bad-course",
        "source": "prp_own",
        "indications": [indication.pk],
        "procedure": "microneedling",
        "session_count": 4,
        "min_interval_days": 30,
        "max_interval_days": 20,
        "session_minutes": 60,
        "preparation_minutes": 0,
        "lab_lead_days": 0,
        "price": "100",
        "summary_en": "s",
        "description_en": "d",
        "what_to_expect_en": "w",
        "aftercare_en": "a",
        "display_order": 0,
    }

    response = receptionist_client.post(reverse("admin:treatments_protocol_add"), data)

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 3." in response.text
    assert "must not be less than the minimum (30)" in response.text
    assert "need a preparation visit" in response.text
    assert not Protocol.objects.exists()
