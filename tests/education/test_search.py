"""Search finds guides and treatments in the language the visitor reads (both databases)."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from education.models import Article
from tests.factories import ArticleFactory, ProtocolFactory
from treatments.models import Protocol

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def result_titles(html: str, section: str) -> list[str]:
    match = re.search(rf'<section[^>]*aria-labelledby="results-{section}".*?</section>', html, re.S)
    return re.findall(r'class="result-title" href="[^"]+">([^<]+)</a>', match[0]) if match else []


@pytest.fixture
def guides():
    return {
        "barrier": ArticleFactory(
            slug="skin-barrier",
            title="Your skin barrier",
            title_de="Ihre Hautbarriere",
            body="## Dry skin\n\nMoisturise every day.\n",
            body_de="## Trockene Haut\n\nBei Neurodermitis cremen Sie täglich.\n",
        ),
        "safety": ArticleFactory(
            slug="safety",
            title="Safety and regulation",
            title_de="Sicherheit und Zulassung",
            body="## Approval\n\nNo exosome product is approved.\n",
            body_de="## Zulassung\n\nKein Exosomen-Produkt ist zugelassen.\n",
        ),
        "draft": ArticleFactory(
            slug="draft",
            title="Draft about eczema",
            title_de="Entwurf",
            body_de="Neurodermitis im Entwurf.\n",
            published=False,
        ),
    }


def test_search_finds_a_german_page_by_a_german_word_in_its_body(client, guides):
    html = client.get("/de/search/", {"q": "Neurodermitis"}).text

    assert result_titles(html, "learn") == ["Ihre Hautbarriere"]
    assert 'href="/de/learn/skin-barrier/"' in html
    assert "Entwurf" not in html


def test_the_german_word_is_not_searched_in_the_english_text(client, guides):
    html = client.get("/en/search/", {"q": "Neurodermitis"}).text

    assert result_titles(html, "learn") == []
    assert "We found nothing for “Neurodermitis”" in html


def test_search_finds_the_real_german_page_by_a_word_only_its_german_text_has(client, seeded_site):
    german_only = "Kochsalzlösung"
    pages = Article.objects.filter(body_de__contains=german_only)
    assert [page.slug for page in pages] == ["what-exosomes-are-used-for"]
    assert not Article.objects.filter(body_en__icontains=german_only).exists()

    html = client.get("/de/search/", {"q": german_only}).text

    assert result_titles(html, "learn") == [pages[0].title_de]


def test_search_lists_guides_and_treatments_separately(client, guides):
    ProtocolFactory(name="Safety first laser course", summary="A gentle course.")
    ProtocolFactory(name="Hidden safety course", published=False)

    html = client.get("/en/search/", {"q": "safety"}).text

    assert result_titles(html, "learn") == ["Safety and regulation"]
    assert result_titles(html, "treatments") == ["Safety first laser course"]
    assert "Hidden safety course" not in html


def test_every_word_must_match(client, guides):
    assert Article.objects.published().search("skin moisturise", "en").count() == 1
    assert Article.objects.published().search("skin approval", "en").count() == 0


def test_untranslated_treatments_are_found_by_their_english_text_in_german(client):
    ProtocolFactory(name="Scalp course", description="For thinning hair.", name_de=None)

    assert [p.name_en for p in Protocol.objects.published().search("thinning", "de")] == [
        "Scalp course"
    ]


def test_an_empty_search_asks_kindly_for_a_word(client, guides):
    html = client.get(reverse("education:search"), {"q": "   "}).text

    assert "Type a word or two" in html
    assert result_titles(html, "learn") == []


def test_no_results_offers_the_guides_and_the_catalog(client, guides):
    html = client.get(reverse("education:search"), {"q": "tattoo removal"}).text

    assert "We found nothing for “tattoo removal”" in html
    assert f'href="{reverse("education:article-list")}"' in html
    assert f'href="{reverse("treatments:protocol-list")}"' in html


def test_search_input_is_escaped(client):
    html = client.get(reverse("education:search"), {"q": "<script>alert(1)</script>"}).text

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_every_page_has_a_get_search_form_in_the_header(client):
    html = client.get(reverse("home")).text

    form = re.search(r'<form class="site-search".*?</form>', html, re.S)[0]
    assert 'method="get"' in form and 'action="/en/search/"' in form
    assert 'name="q"' in form
    assert "csrfmiddlewaretoken" not in form


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRESQL, reason="stemming needs PostgreSQL full-text search")
def test_postgresql_search_understands_word_forms_and_ranks_titles_first(client, guides):
    ArticleFactory(title="Other", body="## Notes\n\nThe barrier of the skin is discussed here.")

    assert [a.slug for a in Article.objects.published().search("Zulassungen", "de")] == ["safety"]
    ranked = [a.title for a in Article.objects.published().search("barrier", "en")]
    assert ranked[0] == "Your skin barrier"


def test_search_runs_the_same_few_queries_however_many_results(client, guides):
    counts = []
    for batch in (1, 5):
        ProtocolFactory.create_batch(batch, name="Safety course", indications=[])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("education:search"), {"q": "safety"})
        assert response.status_code == 200
        counts.append(len(queries))

    assert len(result_titles(response.text, "treatments")) == 6
    # No query per result (docs/performance.md); two today, a little room for the page itself.
    assert counts[0] == counts[1] <= 4
