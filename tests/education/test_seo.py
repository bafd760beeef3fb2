"""Found and shared: meta and Open Graph tags, JSON-LD, sitemap.xml and robots.txt."""

import json
import re
from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from tests.education.conftest import json_ld_blocks
from tests.factories import (
    ArticleFactory,
    IndicationFactory,
    ProtocolFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

SITEMAP_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
}


def meta(html: str, attribute: str, name: str) -> str:
    return re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)[1]


@pytest.fixture
def article(reviewer):
    article = ArticleFactory(
        slug="what-is-an-exosome",
        title="What is an exosome?",
        title_de="Was ist ein Exosom?",
        summary="Tiny packages that cells release.",
        summary_de="Winzige Päckchen, die Zellen abgeben.",
        reviewed_by=reviewer,
        related_indications=[IndicationFactory(name="Acne scars")],
    )
    SourceFactory(
        article=article,
        title="Public Safety Notification on Exosome Products",
        publisher="U.S. Food and Drug Administration",
        year=2019,
        url="https://www.fda.gov/exosomes",
        order=1,
    )
    SourceFactory(article=article, title="A split-face study", url="", order=2)
    return article


def test_json_ld_parses_as_a_medical_web_page_with_its_review(client, article):
    html = client.get("/de/learn/what-is-an-exosome/").text

    (block,) = json_ld_blocks(html)
    data = json.loads(block)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["name"] == "Was ist ein Exosom?"
    assert data["description"] == "Winzige Päckchen, die Zellen abgeben."
    assert data["inLanguage"] == "de"
    assert data["url"] == "http://testserver/de/learn/what-is-an-exosome/"
    assert data["lastReviewed"] == "2026-11-16"
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr. med. Anna Weber",
        "jobTitle": "Dermatologist",
    }
    assert [citation["name"] for citation in data["citation"]] == [
        "Public Safety Notification on Exosome Products",
        "A split-face study",
    ]
    assert data["citation"][0]["publisher"]["name"] == "U.S. Food and Drug Administration"
    assert data["citation"][0]["datePublished"] == "2019"
    assert data["citation"][0]["url"] == "https://www.fda.gov/exosomes"
    assert "url" not in data["citation"][1]
    assert data["about"] == [{"@type": "MedicalCondition", "name": "Acne scars"}]


def test_json_ld_cannot_be_broken_out_of_by_a_title(client):
    article = ArticleFactory(title="</script><script>alert(1)</script>")

    html = client.get(article.get_absolute_url()).text

    assert "<script>alert(1)" not in html
    (block,) = json_ld_blocks(html)
    assert json.loads(block)["name"] == "</script><script>alert(1)</script>"


def test_article_has_meta_description_canonical_and_open_graph_tags(client, article):
    html = client.get("/de/learn/what-is-an-exosome/").text

    assert meta(html, "name", "description") == "Winzige Päckchen, die Zellen abgeben."
    assert '<link rel="canonical" href="http://testserver/de/learn/what-is-an-exosome/">' in html
    assert meta(html, "property", "og:title") == "Was ist ein Exosom?"
    assert meta(html, "property", "og:description") == "Winzige Päckchen, die Zellen abgeben."
    assert meta(html, "property", "og:type") == "article"
    assert meta(html, "property", "og:url") == "http://testserver/de/learn/what-is-an-exosome/"
    assert meta(html, "property", "og:locale") == "de_DE"
    assert meta(html, "property", "og:site_name")


def test_other_pages_have_open_graph_basics(client):
    protocol = ProtocolFactory(name="Acne laser course", summary="Three laser sessions.")

    home = client.get(reverse("home")).text
    detail = client.get(protocol.get_absolute_url()).text

    assert meta(home, "property", "og:type") == "website"
    assert meta(home, "property", "og:locale") == "en_GB"
    assert meta(detail, "property", "og:title") == "Acne laser course"
    assert meta(detail, "property", "og:description") == "Three laser sessions."


def sitemap_entries(client) -> dict[str, dict[str, str]]:
    """{location: {hreflang: alternate location}} for every URL in sitemap.xml."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return {
        url.findtext("sm:loc", namespaces=SITEMAP_NS): {
            link.get("hreflang"): link.get("href") for link in url.findall("xhtml:link", SITEMAP_NS)
        }
        for url in root.findall("sm:url", SITEMAP_NS)
    }


def test_sitemap_lists_published_pages_in_every_language_with_alternates(client, article):
    protocol = ProtocolFactory(slug="acne-laser")

    entries = sitemap_entries(client)

    for language in ("en", "de", "tr"):
        assert f"http://testserver/{language}/" in entries
        assert f"http://testserver/{language}/treatments/" in entries
        assert f"http://testserver/{language}/learn/" in entries
        assert f"http://testserver/{language}{protocol.get_absolute_url()[3:]}" in entries
        assert f"http://testserver/{language}/learn/what-is-an-exosome/" in entries
    assert entries["http://testserver/tr/learn/what-is-an-exosome/"] == {
        "en": "http://testserver/en/learn/what-is-an-exosome/",
        "de": "http://testserver/de/learn/what-is-an-exosome/",
        "tr": "http://testserver/tr/learn/what-is-an-exosome/",
        "x-default": "http://testserver/learn/what-is-an-exosome/",
    }


def test_unpublished_pages_are_absent_from_the_sitemap(client, article):
    ArticleFactory(slug="draft-guide", published=False)
    ProtocolFactory(slug="draft-course", published=False)

    locations = " ".join(sitemap_entries(client))

    assert "draft-guide" not in locations
    assert "draft-course" not in locations
    assert "what-is-an-exosome" in locations
    assert "/search/" not in locations


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_admin_only(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    # Crawlers may fetch the search pages, or they would never see their noindex.
    assert [line for line in lines if line.startswith("Disallow:")] == ["Disallow: /admin/"]


def test_robots_txt_answers_a_head_request(client):
    response = client.head("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b""


def test_search_results_ask_not_to_be_indexed(client):
    html = client.get(reverse("education:search"), {"q": "exosome"}).text

    assert '<meta name="robots" content="noindex, follow">' in html


def test_pages_share_a_default_image_with_its_size_and_description(client, article):
    html = client.get("/de/learn/what-is-an-exosome/").text
    home = client.get(reverse("home")).text

    image_url = meta(html, "property", "og:image")
    assert image_url == "http://testserver/static/img/share-default.png"
    assert meta(home, "property", "og:image") == image_url
    assert (
        meta(html, "property", "og:image:width"),
        meta(html, "property", "og:image:height"),
    ) == (
        "1200",
        "630",
    )
    # The tagline the image shows, in the page's language.
    assert meta(html, "property", "og:image:alt") == "Exosom-Behandlungen, ehrlich erklärt"
    with Image.open(finders.find("img/share-default.png")) as image:
        assert (image.format, image.size) == ("PNG", (1200, 630))


def test_a_javascript_source_url_does_not_reach_the_structured_data(client):
    # The article's JSON-LD lists its sources for search engines, which show "url" as a link:
    # it took the stored URL as it was, past the http(s)-only rule the visible link follows.
    article = ArticleFactory(related_protocols=[ProtocolFactory()])
    SourceFactory(article=article, title="A study", url="javascript:alert(document.cookie)")
    SourceFactory(article=article, title="Another", url="https://doi.org/10.1111/jocd.1")

    html = client.get(article.get_absolute_url()).text

    data = json.loads(
        re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1)
    )
    assert [citation.get("url") for citation in data["citation"]] == [
        None,
        "https://doi.org/10.1111/jocd.1",
    ]
    assert "javascript:" not in html
