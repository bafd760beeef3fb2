"""Education pages: what a patient sees, in which language, and how they link to treatments."""

import itertools
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.education.conftest import LANGUAGES, element_ids, heading_levels
from tests.factories import ArticleFactory, IndicationFactory, ProtocolFactory, SourceFactory

pytestmark = pytest.mark.django_db

LONG_BODY = "## What it is\n\nText.\n\n## Who it suits\n\nText.\n\n## Risks\n\nText.\n"


def test_article_shows_its_review_sources_and_a_not_advice_note(client, reviewer):
    article = ArticleFactory(
        title="What is an exosome?",
        summary="Tiny packages cells release.",
        body=LONG_BODY,
        reviewed_by=reviewer,
    )
    SourceFactory(article=article, title="Public Safety Notification", url="", order=2)
    SourceFactory(
        article=article,
        title="Split-face study",
        publisher="Acta Dermato-Venereologica",
        year=2020,
        url="https://doi.org/10.2340/00015555-3666",
        order=1,
    )

    html = client.get(article.get_absolute_url()).text

    assert '<h1 id="article-title" class="mb-3">What is an exosome?</h1>' in html
    assert '<p class="lead measure">Tiny packages cells release.</p>' in html
    assert "Medically reviewed by Dr. med. Anna Weber (Dermatologist) on Nov. 16, 2026" in html
    sources = re.search(r'<section class="sources.*?</section>', html, re.DOTALL)[0]
    assert sources.index("Split-face study") < sources.index("Public Safety Notification")
    assert "Acta Dermato-Venereologica, 2020." in sources
    assert 'href="https://doi.org/10.2340/00015555-3666"' in sources
    assert sources.count("<a ") == 1
    assert "It is not medical advice" in html
    assert '<time datetime="2026-11-16">Nov. 16, 2026</time>' in html


def test_headings_are_in_order_with_one_h1(client):
    article = ArticleFactory(body=LONG_BODY + "### Detail\n\nText.\n")
    SourceFactory(article=article)

    html = client.get(article.get_absolute_url()).text

    levels = heading_levels(html)
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))


def test_a_heading_named_like_a_page_element_does_not_take_its_id(client):
    # Every id the page template uses, from a page that shows all its parts.
    indication = IndicationFactory()
    related = {"related_protocols": [ProtocolFactory()], "related_indications": [indication]}
    reference = ArticleFactory(body=LONG_BODY, **related)
    SourceFactory(article=reference)
    template_ids = set(element_ids(client.get(reference.get_absolute_url()).text))
    assert {"main", "article-title", "toc-title", "sources-title"} <= template_ids
    # An author who happens to title sections "Article title", "Main", "Sources title", …
    body = "".join(
        f"## {identifier.replace('-', ' ').title()}\n\nText.\n\n" for identifier in template_ids
    )
    article = ArticleFactory(title="Exosomes in plain words", body=body, **related)
    SourceFactory(article=article)

    html = client.get(article.get_absolute_url()).text

    ids = element_ids(html)
    assert sorted(ids) == sorted(set(ids)), "no id appears twice on the page"
    assert '<h1 id="article-title" class="mb-3">Exosomes in plain words</h1>' in html
    assert '<h2 id="article-title-section">Article Title</h2>' in html
    assert '<a href="#article-title-section">Article Title</a>' in html
    assert '<main id="main"' in html


def test_a_head_request_is_answered_and_the_page_it_caches_is_whole(client):
    article = ArticleFactory(title="What is an exosome?")

    head = client.head(article.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        after = client.get(article.get_absolute_url())

    assert head.status_code == 200
    assert head["Content-Type"] == "text/html; charset=utf-8"
    assert head.content == b""
    assert len(queries) == 0, "the HEAD request warmed the cache"
    assert '<h1 id="article-title" class="mb-3">What is an exosome?</h1>' in after.text
    assert client.head(reverse("education:article-list")).status_code == 200


def test_a_post_to_an_article_page_is_refused(client):
    article = ArticleFactory()

    assert client.post(article.get_absolute_url()).status_code == 405


def test_long_pages_get_a_table_of_contents_short_pages_do_not(client):
    long_page = ArticleFactory(body=LONG_BODY)
    short_page = ArticleFactory(body="## Only one\n\nText.\n")

    long_html = client.get(long_page.get_absolute_url()).text
    short_html = client.get(short_page.get_absolute_url()).text

    assert 'aria-labelledby="toc-title"' in long_html
    assert '<a href="#who-it-suits">Who it suits</a>' in long_html
    assert 'id="who-it-suits"' in long_html
    assert "toc-title" not in short_html


@pytest.mark.parametrize("language", LANGUAGES)
def test_unpublished_article_is_not_found_in_any_language(client, language):
    ArticleFactory(slug="draft-page", title="Draft page", published=False)

    response = client.get(f"/{language}/learn/draft-page/")

    assert response.status_code == 404
    assert "Draft page" not in response.text


def test_unpublished_articles_are_not_listed(client):
    ArticleFactory(title="Visible guide", order=2)
    ArticleFactory(title="First guide", order=1)
    ArticleFactory(title="Hidden guide", published=False)

    html = client.get(reverse("education:article-list")).text

    assert html.index("First guide") < html.index("Visible guide")
    assert "Hidden guide" not in html


def test_language_switcher_on_an_article_keeps_the_page(client):
    ArticleFactory(slug="what-is-an-exosome", title_de="Was ist ein Exosom?")

    html = client.get("/de/learn/what-is-an-exosome/").text

    assert '<html lang="de">' in html
    assert "Was ist ein Exosom?" in html
    assert 'href="/en/learn/what-is-an-exosome/" hreflang="en"' in html
    assert 'href="/tr/learn/what-is-an-exosome/" hreflang="tr"' in html
    assert 'hreflang="en" href="http://testserver/en/learn/what-is-an-exosome/"' in html
    assert 'hreflang="x-default" href="http://testserver/learn/what-is-an-exosome/"' in html
    assert '<span class="lang-link current" aria-current="true" lang="de"' in html


def test_a_missing_translation_shows_the_english_text(client):
    ArticleFactory(slug="faq", title="Questions and answers", title_tr=None)

    html = client.get("/tr/learn/faq/").text

    assert '<html lang="tr">' in html
    assert "Questions and answers" in html


def test_article_lists_its_published_treatments_and_concerns(client):
    acne = IndicationFactory(slug="acne-scars", name="Acne scars")
    shown = ProtocolFactory(name="Acne laser course")
    hidden = ProtocolFactory(name="Draft course", published=False)
    article = ArticleFactory(related_protocols=[shown, hidden], related_indications=[acne])

    html = client.get(article.get_absolute_url()).text

    related = re.search(r'<section class="related.*?</section>', html, re.DOTALL)[0]
    assert "Treatments this page is about" in related
    assert f'<a href="{shown.get_absolute_url()}">Acne laser course</a>' in related
    assert "Draft course" not in html
    assert 'href="/en/treatments/?indication=acne-scars">Acne scars</a>' in related


def test_protocol_page_links_back_to_its_published_articles(client):
    protocol = ProtocolFactory()
    article = ArticleFactory(title="How a course works", related_protocols=[protocol])
    ArticleFactory(title="Unreviewed draft", published=False, related_protocols=[protocol])

    html = client.get(protocol.get_absolute_url()).text

    assert "Read before you decide" in html
    assert f'<a href="{article.get_absolute_url()}">How a course works</a>' in html
    assert "Unreviewed draft" not in html


def count_protocol_page_queries(client, protocol) -> int:
    # A cold render: the page is cached whole and served without queries (clinic/page_cache.py).
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(protocol.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_protocol_page_runs_the_same_queries_for_one_and_five_articles(client):
    protocol = ProtocolFactory(indications=[IndicationFactory()])
    ArticleFactory(related_protocols=[protocol])
    with_one = count_protocol_page_queries(client, protocol)

    ArticleFactory.create_batch(4, related_protocols=[protocol])
    with_five = count_protocol_page_queries(client, protocol)

    # Protocol, indications, articles; its review with reviewer, its sources; the screening rows.
    assert with_one == with_five <= 6


def test_home_invites_visitors_to_learn_first(client):
    ArticleFactory(title="What is an exosome?", order=1)
    ArticleFactory(title="Hidden page", published=False)

    html = client.get(reverse("home")).text

    assert "Learn about exosomes" in html
    assert f'href="{reverse("education:article-list")}"' in html
    assert "What is an exosome?" in html
    assert "Hidden page" not in html


def test_learn_is_marked_as_the_current_section(client):
    article = ArticleFactory()

    html = client.get(article.get_absolute_url()).text

    assert 'href="/en/learn/" aria-current="page">Learn</a>' in html


def test_the_reviewers_qualification_is_shown_in_the_page_language(client, reviewer):
    reviewer.qualification_de = "Dermatologin"
    reviewer.save()
    article = ArticleFactory(reviewed_by=reviewer)

    german = client.get(f"/de/learn/{article.slug}/").text
    turkish = client.get(f"/tr/learn/{article.slug}/").text

    assert "Dr. med. Anna Weber (Dermatologin)" in german
    # No Turkish text yet: the English qualification stands in.
    assert "Dr. med. Anna Weber (Dermatologist)" in turkish
