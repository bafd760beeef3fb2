"""sitemap.xml gives each page's real last change: the `updated_at` of its row (issue 20, item 9).

Before, a protocol and a guide gave their medical review date, so a page re-worded without a new
review looked unchanged to search engines for months.
"""

from datetime import UTC, date, datetime
from xml.etree import ElementTree

import pytest
import time_machine

from education.models import InfoPage, InfoPageKind
from tests.factories import ArticleFactory, ProtocolFactory

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
CREATED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
REWORDED = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def lastmods(client) -> dict[str, str | None]:
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)
    return {
        url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
        for url in root.findall("sm:url", NS)
    }


def w3c(moment: datetime) -> str:
    """Django's sitemap writes the day of the change (W3C date)."""
    return moment.date().isoformat()


def test_a_protocol_page_gives_the_time_its_row_last_changed_not_its_review_date(client):
    from education.models import ProtocolReview
    from tests.factories import ClinicianFactory

    with time_machine.travel(CREATED, tick=False):
        protocol = ProtocolFactory(slug="acne-laser")
        ProtocolReview.objects.create(
            protocol=protocol, reviewed_by=ClinicianFactory(), last_reviewed=date(2026, 9, 1)
        )
    with time_machine.travel(REWORDED, tick=False):
        protocol.summary = "Reworded in plainer words."
        protocol.save()

    entries = lastmods(client)

    for language in ("en", "de", "tr"):
        assert entries[f"http://testserver/{language}/treatments/acne-laser/"] == w3c(REWORDED)


def test_a_guide_gives_the_time_its_row_last_changed_not_its_review_date(client):
    with time_machine.travel(CREATED, tick=False):
        article = ArticleFactory(slug="what-is-an-exosome", last_reviewed=date(2026, 9, 1))
    with time_machine.travel(REWORDED, tick=False):
        article.body = "## New\n\nA clearer explanation.\n"
        article.save()

    assert lastmods(client)["http://testserver/en/learn/what-is-an-exosome/"] == w3c(REWORDED)


def test_listing_and_legal_pages_give_the_last_change_of_what_they_show(client):
    with time_machine.travel(CREATED, tick=False):
        ProtocolFactory(slug="older")
        ArticleFactory(slug="guide")
        InfoPage.objects.create(kind=InfoPageKind.IMPRESSUM, title="Impressum", body="Text")
    with time_machine.travel(REWORDED, tick=False):
        ProtocolFactory(slug="newer")

    entries = lastmods(client)

    assert entries["http://testserver/en/treatments/"] == w3c(REWORDED)
    assert entries["http://testserver/en/learn/"] == w3c(CREATED)
    assert entries["http://testserver/en/"] == w3c(REWORDED)
    assert entries["http://testserver/en/impressum/"] == w3c(CREATED)
    assert entries["http://testserver/en/team/"] is None
