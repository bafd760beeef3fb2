"""The public catalogue: only published protocols, exact filters, a fixed number of queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
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
        # Two indications: a filter that joins them must still list the protocol once.
        "laser_msc": ProtocolFactory(name="Laser MSC", indications=[acne, hair]),
        "prp_acne": ProtocolFactory(name="PRP acne", autologous_prp=True, indications=[acne]),
        "prp_hair": ProtocolFactory(name="PRP scalp", autologous_prp=True, indications=[hair]),
        "hidden": ProtocolFactory(name="Draft protocol", published=False, indications=[acne]),
    }


def listed_names(response) -> list[str]:
    """Sorted, not a set: a protocol listed twice must show up twice here."""
    return sorted(protocol.name for protocol in response.context["protocols"])


def test_catalog_lists_published_protocols_only(client, catalogue):
    response = client.get(CATALOG)

    assert listed_names(response) == ["Laser MSC", "PRP acne", "PRP scalp"]
    assert response.text.count(">Laser MSC</a>") == 1
    assert "Draft protocol" not in response.text


def test_unpublished_protocol_detail_is_not_found(client, catalogue):
    response = client.get(catalogue["hidden"].get_absolute_url())

    assert response.status_code == 404
    assert "Draft protocol" not in response.text


def test_filter_by_indication_returns_exactly_the_matching_protocols(client, catalogue):
    response = client.get(CATALOG, {"indication": "acne-scars"})

    assert listed_names(response) == ["Laser MSC", "PRP acne"]


def test_a_protocol_with_two_indications_is_listed_once_under_either(client, catalogue):
    acne = client.get(CATALOG, {"indication": "acne-scars"})
    hair = client.get(CATALOG, {"indication": "hair-loss"})

    assert listed_names(hair) == ["Laser MSC", "PRP scalp"]
    assert acne.text.count(">Laser MSC</a>") == hair.text.count(">Laser MSC</a>") == 1


def test_filter_by_source_returns_exactly_the_matching_protocols(client, catalogue):
    response = client.get(CATALOG, {"source": Source.PRP_OWN})

    assert listed_names(response) == ["PRP acne", "PRP scalp"]


def test_filters_combine(client, catalogue):
    response = client.get(CATALOG, {"source": Source.PRP_OWN, "indication": "hair-loss"})

    assert listed_names(response) == ["PRP scalp"]


def test_filter_links_are_plain_get_links_that_keep_the_other_filter(client, catalogue):
    response = client.get(CATALOG, {"source": Source.PRP_OWN})

    assert f'href="?indication=hair-loss&amp;source={Source.PRP_OWN}"' in response.text


def test_an_unknown_filter_value_is_explained_and_ignored(client, catalogue):
    response = client.get(CATALOG, {"indication": "wrinkles", "source": Source.PRP_OWN})

    assert "We have no treatments listed for that concern." in response.text
    assert listed_names(response) == ["PRP acne", "PRP scalp"]


def test_an_empty_combination_says_so_kindly(client, catalogue):
    response = client.get(CATALOG, {"source": Source.PRP_OWN, "indication": "hair-loss"})
    assert listed_names(response) == ["PRP scalp"]

    response = client.get(CATALOG, {"source": Source.MSC_OWN_ADIPOSE, "indication": "acne-scars"})

    assert listed_names(response) == []
    assert "No treatment matches both filters" in response.text


def test_an_empty_source_names_that_source_not_both_filters(client, catalogue):
    response = client.get(CATALOG, {"source": Source.MSC_OWN_ADIPOSE})

    assert listed_names(response) == []
    assert (
        "No treatment is listed for “Your own adipose MSC exosomes” at the moment. "
        "Try another source" in response.text
    )
    assert "both filters" not in response.text


def test_an_empty_concern_names_that_concern_not_both_filters(catalogue):
    # The view offers only concerns with a published protocol, so render the page directly.
    request = RequestFactory().get(CATALOG, {"indication": "acne-scars"})
    html = render_to_string(
        "treatments/protocol_list.html",
        {
            "protocols": [],
            "indications": [catalogue["laser_msc"].indications.get(slug="acne-scars")],
            "sources": Source.choices,
            "selected_indication": "acne-scars",
            "selected_source": "",
            "filter_errors": [],
        },
        request=request,
    )

    assert "No treatment is listed for “Acne scars” at the moment. Try another concern" in html
    assert "both filters" not in html


def test_an_empty_catalogue_says_so_without_mentioning_filters(client):
    ProtocolFactory(name="Draft protocol", published=False)

    response = client.get(CATALOG)

    assert listed_names(response) == []
    assert "No treatments are listed at the moment. Please call us" in response.text
    assert "filter" not in response.text.split('class="honesty-note"')[1].split("</p>")[0]


def count_catalog_queries(client) -> int:
    # A cold render: the page is cached whole and served without queries (clinic/page_cache.py).
    cache.clear()
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
    assert "3 sessions of 60 minutes each" in text
    assert "21 to 35 days" in text
    assert "1,900 EUR" in text
    assert "Microneedling" in text


def test_protocol_detail_of_a_ready_made_course_has_no_preparation_visit(client):
    protocol = ProtocolFactory(session_count=1)

    text = client.get(protocol.get_absolute_url()).text

    assert "Preparation visit" not in text
    assert "Time between sessions" not in text
    assert "1 session of 60 minutes<" in text
    assert "60 minutes each" not in text


def test_protocol_detail_shows_the_course_facts_before_the_long_text(client):
    # Phones stack the page in source order: the facts must not sit below all the reading.
    protocol = ProtocolFactory(
        summary="Three sessions for acne scars.", description="The long explanation."
    )

    text = client.get(protocol.get_absolute_url()).text

    summary = text.index("Three sessions for acne scars.</p>")
    facts = text.index(">The course</h2>")
    price = text.index("Price for the whole course")
    long_text = text.index("The long explanation.")
    assert summary < facts < price < long_text
    assert price < text.index("Where the exosomes come from")
