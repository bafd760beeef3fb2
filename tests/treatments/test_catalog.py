"""The public catalogue: only published protocols, exact filters, a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import IndicationFactory, ProtocolFactory
from treatments.models import Source

pytestmark = pytest.mark.django_db

CATALOG = reverse("treatments:protocol-list")


@pytest.fixture
def catalogue():
    acne = IndicationFactory(slug="acne-scars", name="Acne scars")
    hair = IndicationFactory(slug="hair-loss", name="Hair loss")
    return {
        "laser_msc": ProtocolFactory(name="Laser MSC", indications=[acne]),
        "prp_acne": ProtocolFactory(name="PRP acne", autologous_prp=True, indications=[acne]),
        "prp_hair": ProtocolFactory(name="PRP scalp", autologous_prp=True, indications=[hair]),
        "hidden": ProtocolFactory(name="Draft protocol", published=False, indications=[acne]),
    }


def listed_names(response) -> set[str]:
    return {protocol.name for protocol in response.context["protocols"]}


def test_catalog_lists_published_protocols_only(client, catalogue):
    response = client.get(CATALOG)

    assert listed_names(response) == {"Laser MSC", "PRP acne", "PRP scalp"}
    assert "Draft protocol" not in response.text


def test_unpublished_protocol_detail_is_not_found(client, catalogue):
    response = client.get(catalogue["hidden"].get_absolute_url())

    assert response.status_code == 404
    assert "Draft protocol" not in response.text


def test_filter_by_indication_returns_exactly_the_matching_protocols(client, catalogue):
    response = client.get(CATALOG, {"indication": "acne-scars"})

    assert listed_names(response) == {"Laser MSC", "PRP acne"}


def test_filter_by_source_returns_exactly_the_matching_protocols(client, catalogue):
    response = client.get(CATALOG, {"source": Source.PRP_OWN})

    assert listed_names(response) == {"PRP acne", "PRP scalp"}


def test_filters_combine(client, catalogue):
    response = client.get(CATALOG, {"source": Source.PRP_OWN, "indication": "hair-loss"})

    assert listed_names(response) == {"PRP scalp"}


def test_filter_links_are_plain_get_links_that_keep_the_other_filter(client, catalogue):
    response = client.get(CATALOG, {"source": Source.PRP_OWN})

    assert f'href="?indication=hair-loss&amp;source={Source.PRP_OWN}"' in response.text


def test_an_unknown_filter_value_is_explained_and_ignored(client, catalogue):
    response = client.get(CATALOG, {"indication": "wrinkles", "source": Source.PRP_OWN})

    assert "We have no treatments listed for that concern." in response.text
    assert listed_names(response) == {"PRP acne", "PRP scalp"}


def test_an_empty_combination_says_so_kindly(client, catalogue):
    response = client.get(CATALOG, {"source": Source.MSC_READY_MADE, "indication": "hair-loss"})

    assert listed_names(response) == set()
    assert "No treatment matches both filters" in response.text


def count_catalog_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CATALOG)
    assert response.status_code == 200
    return len(queries)


def test_catalog_runs_the_same_number_of_queries_for_5_and_50_protocols(client):
    indications = [IndicationFactory(slug=f"concern-{n}") for n in range(3)]
    ProtocolFactory.create_batch(5, indications=indications)
    with_five = count_catalog_queries(client)

    ProtocolFactory.create_batch(45, indications=indications)
    with_fifty = count_catalog_queries(client)

    assert with_five == with_fifty <= 3


def test_protocol_detail_explains_an_autologous_course(client):
    protocol = ProtocolFactory(
        name="PRP course",
        autologous_prp=True,
        session_count=3,
        min_interval_days=21,
        max_interval_days=35,
        price="1900.00",
    )

    response = client.get(protocol.get_absolute_url())

    text = response.text
    assert "Exosomes made from your own blood" in text
    assert "30 minute visit (blood draw)" in text
    assert "at least 14 days" in text
    assert "3 sessions, 60 minutes each" in text
    assert "21 to 35 days" in text
    assert "1,900 EUR" in text
    assert "Microneedling" in text


def test_protocol_detail_of_a_ready_made_course_has_no_preparation_visit(client):
    protocol = ProtocolFactory(session_count=1)

    text = client.get(protocol.get_absolute_url()).text

    assert "Preparation visit" not in text
    assert "Time between sessions" not in text
    assert "1 session, 60 minutes each" in text
