"""Education pages come from the cache, with a fixed number of queries, and edits show at once."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from education.models import Article
from tests.factories import ArticleFactory, IndicationFactory, ProtocolFactory, SourceFactory

pytestmark = pytest.mark.django_db

# The article with its reviewer, its sources, its published protocols, its indications.
COLD_ARTICLE_QUERIES = 4


def get_counting_queries(client: Client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    # Each response has its own CSP nonce; the rest of a cached page is the same for everyone.
    return re.sub(r'nonce="[^"]+"', 'nonce=""', response.text), len(queries)


def article_form_data(article: Article, **changes: object) -> dict[str, object]:
    """What the admin change form posts for `article`, with its sources unchanged."""
    sources = list(article.sources.all())
    data: dict[str, object] = {
        "slug": article.slug,
        "reviewed_by": article.reviewed_by_id,
        "last_reviewed": article.last_reviewed.isoformat(),
        "published": "on",
        "order": article.order,
        "related_protocols": [protocol.pk for protocol in article.related_protocols.all()],
        "related_indications": [indication.pk for indication in article.related_indications.all()],
        "sources-TOTAL_FORMS": len(sources),
        "sources-INITIAL_FORMS": len(sources),
        "sources-MIN_NUM_FORMS": 0,
        "sources-MAX_NUM_FORMS": 1000,
    }
    for language in ("en", "de", "tr"):
        for field in ("title", "summary", "body"):
            data[f"{field}_{language}"] = getattr(article, f"{field}_{language}") or ""
    for number, source in enumerate(sources):
        data.update(
            {
                f"sources-{number}-id": source.pk,
                f"sources-{number}-article": article.pk,
                f"sources-{number}-order": source.order,
                f"sources-{number}-title": source.title,
                f"sources-{number}-publisher": source.publisher,
                f"sources-{number}-year": source.year,
                f"sources-{number}-url": source.url,
            }
        )
    data.update(changes)
    return data


def test_a_warm_article_page_runs_no_queries(client):
    article = ArticleFactory(related_protocols=[ProtocolFactory()])
    SourceFactory.create_batch(2, article=article)

    cold_html, cold = get_counting_queries(client, article.get_absolute_url())
    warm_html, warm = get_counting_queries(client, article.get_absolute_url())

    assert cold == COLD_ARTICLE_QUERIES
    assert warm == 0
    assert warm_html == cold_html


def test_article_queries_do_not_grow_with_sources_and_related_treatments(client):
    indications = [IndicationFactory() for _ in range(2)]
    small = ArticleFactory(
        related_protocols=ProtocolFactory.create_batch(2, indications=indications),
        related_indications=indications[:1],
    )
    SourceFactory.create_batch(2, article=small)
    large = ArticleFactory(
        related_protocols=ProtocolFactory.create_batch(6, indications=indications),
        related_indications=indications,
    )
    SourceFactory.create_batch(6, article=large)

    _, with_two = get_counting_queries(client, small.get_absolute_url())
    _, with_six = get_counting_queries(client, large.get_absolute_url())

    assert with_two == with_six == COLD_ARTICLE_QUERIES


def test_the_learn_index_is_cached_too(client):
    ArticleFactory.create_batch(3)

    _, cold = get_counting_queries(client, reverse("education:article-list"))
    _, warm = get_counting_queries(client, reverse("education:article-list"))

    assert (cold, warm) == (1, 0)


def test_each_language_is_cached_separately(client):
    ArticleFactory(slug="faq", title="Questions", title_de="Fragen", title_tr="Sorular")

    english = client.get("/en/learn/faq/").text
    german = client.get("/de/learn/faq/").text
    _, warm_german = get_counting_queries(client, "/de/learn/faq/")

    assert "Questions" in english and "Fragen" not in english
    assert "Fragen" in german and "Questions" not in german
    assert warm_german == 0


def test_editing_a_page_in_the_admin_shows_the_new_text_at_once(
    receptionist_client, django_capture_on_commit_callbacks
):
    article = ArticleFactory(body="## Evidence\n\nOne small study so far.\n")
    SourceFactory(article=article, title="A split-face study")
    visitor = Client()
    assert "One small study so far." in visitor.get(article.get_absolute_url()).text
    _, warm = get_counting_queries(visitor, article.get_absolute_url())
    assert warm == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = receptionist_client.post(
            reverse("admin:education_article_change", args=[article.pk]),
            article_form_data(
                article,
                body_en="## Evidence\n\nTwo small studies so far.\n",
                **{"sources-0-title": "A larger split-face study"},
            ),
        )

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    article.refresh_from_db()
    assert article.body_en == "## Evidence\n\nTwo small studies so far."
    html = visitor.get(article.get_absolute_url()).text
    assert "Two small studies so far." in html
    assert "One small study so far." not in html
    assert "A larger split-face study" in html


def test_unpublishing_a_page_in_the_admin_removes_it_at_once(
    receptionist_client, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    visitor = Client()
    assert visitor.get(article.get_absolute_url()).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        receptionist_client.post(
            reverse("admin:education_article_change", args=[article.pk]),
            article_form_data(article, published=""),
        )

    assert not Article.objects.get(pk=article.pk).published
    assert visitor.get(article.get_absolute_url()).status_code == 404
    assert article.title not in visitor.get(reverse("education:article-list")).text


def test_renaming_a_protocol_in_the_admin_updates_the_pages_that_name_it(
    receptionist_client, django_capture_on_commit_callbacks
):
    indication = IndicationFactory()
    protocol = ProtocolFactory(name="Acne laser course", indications=[indication])
    article = ArticleFactory(related_protocols=[protocol])
    visitor = Client()
    assert "Acne laser course" in visitor.get(article.get_absolute_url()).text

    with django_capture_on_commit_callbacks(execute=True):
        response = receptionist_client.post(
            reverse("admin:treatments_protocol_change", args=[protocol.pk]),
            {
                "name_en": "Acne scar course with laser",
                "slug": protocol.slug,
                "source": protocol.source,
                "indications": [indication.pk],
                "procedure": protocol.procedure,
                "published": "on",
                # A ready-made course is published only with its product (issue 19).
                "product": protocol.product_id,
                "display_order": 0,
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
            },
        )

    assert response.status_code == 302
    html = visitor.get(article.get_absolute_url()).text
    assert "Acne scar course with laser" in html
    assert "Acne laser course" not in html


def test_a_cached_page_holds_nothing_of_the_visitor_who_warmed_it(receptionist_client):
    article = ArticleFactory()

    warmed_by_staff = receptionist_client.get(article.get_absolute_url()).text
    seen_by_visitor = Client().get(article.get_absolute_url()).text

    # Equal but for the CSP nonce, which every response gets afresh.
    assert re.sub(r'nonce="[^"]+"', "", seen_by_visitor) == re.sub(
        r'nonce="[^"]+"', "", warmed_by_staff
    )
    assert "reception" not in seen_by_visitor
    assert "csrfmiddlewaretoken" not in seen_by_visitor


def test_a_shared_link_with_tracking_parameters_is_served_from_the_cache(client):
    article = ArticleFactory(slug="faq", title="Questions and answers")
    SourceFactory(article=article)

    cold_html, cold = get_counting_queries(client, "/en/learn/faq/?utm_source=newsletter")
    warm_html, warm = get_counting_queries(client, "/en/learn/faq/?fbclid=abc123")
    _, plain = get_counting_queries(client, "/en/learn/faq/")

    assert (cold, warm, plain) == (COLD_ARTICLE_QUERIES, 0, 0)
    assert warm_html == cold_html
    assert "Questions and answers" in warm_html
    for leaked in ("utm_source", "newsletter", "fbclid", "abc123"):
        assert leaked not in warm_html, leaked
    assert 'href="/de/learn/faq/" hreflang="de"' in warm_html
    assert 'hreflang="de" href="http://testserver/de/learn/faq/"' in warm_html
    assert 'hreflang="x-default" href="http://testserver/learn/faq/"' in warm_html
    assert '<link rel="canonical" href="http://testserver/en/learn/faq/">' in warm_html


def test_the_learn_index_ignores_the_query_string_too(client):
    ArticleFactory(title="Questions and answers")

    _, cold = get_counting_queries(client, "/de/learn/?utm_source=newsletter")
    warm_html, warm = get_counting_queries(client, "/de/learn/?fbclid=abc123")

    assert (cold, warm) == (1, 0)
    assert "utm_source" not in warm_html and "fbclid" not in warm_html
    assert 'href="/en/learn/" hreflang="en"' in warm_html
