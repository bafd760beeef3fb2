"""Reception and clinicians edit the education pages in the admin."""

import pytest
from django.urls import reverse

from education.models import Article
from tests.factories import ArticleFactory, IndicationFactory, ProtocolFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [reverse("admin:education_article_changelist"), reverse("admin:education_article_add")],
)
def test_admin_pages_load_for_staff(receptionist_client, url):
    SourceFactory(article=ArticleFactory(title="What is an exosome?"))

    response = receptionist_client.get(url)

    assert response.status_code == 200


def test_change_page_has_every_language_and_the_sources_inline(receptionist_client):
    article = ArticleFactory(related_protocols=[ProtocolFactory()])
    SourceFactory(article=article, title="A split-face study")

    html = receptionist_client.get(
        reverse("admin:education_article_change", args=[article.pk])
    ).text

    for field in ("title_en", "title_de", "title_tr", "body_en", "body_de", "body_tr"):
        assert f'name="{field}"' in html
    assert 'name="sources-0-title"' in html
    assert "A split-face study" in html


def test_changelist_filters_and_searches(receptionist_client):
    ArticleFactory(title="Safety and regulation")
    ArticleFactory(title="Proven alternatives", published=False)

    response = receptionist_client.get(
        reverse("admin:education_article_changelist"), {"q": "safety", "published__exact": "1"}
    )

    assert [article.title for article in response.context["cl"].result_list] == [
        "Safety and regulation"
    ]


def test_a_page_can_be_added_with_its_sources(receptionist_client, reviewer):
    protocol = ProtocolFactory()
    indication = IndicationFactory()
    data = {
        "title_en": "Proven alternatives",
        "title_de": "Bewährte Alternativen",
        "title_tr": "",
        "slug": "proven-alternatives",
        "summary_en": "Treatments with a longer track record.",
        "summary_de": "",
        "summary_tr": "",
        "body_en": "## Retinoids\n\nThe best studied.",
        "body_de": "",
        "body_tr": "",
        "reviewed_by": reviewer.pk,
        "last_reviewed": "2026-11-16",
        "published": "on",
        "order": 60,
        "related_protocols": [protocol.pk],
        "related_indications": [indication.pk],
        "sources-TOTAL_FORMS": 1,
        "sources-INITIAL_FORMS": 0,
        "sources-MIN_NUM_FORMS": 0,
        "sources-MAX_NUM_FORMS": 1000,
        "sources-0-order": 1,
        "sources-0-title": "Niacinamide 4% versus hydroquinone 4% in melasma",
        "sources-0-publisher": "Dermatology Research and Practice",
        "sources-0-year": 2011,
        "sources-0-url": "doi.org/10.1155/2011/379173",
    }

    response = receptionist_client.post(reverse("admin:education_article_add"), data)

    assert response.status_code == 302
    article = Article.objects.get(slug="proven-alternatives")
    assert (article.title_en, article.title_de) == ("Proven alternatives", "Bewährte Alternativen")
    assert list(article.related_protocols.all()) == [protocol]
    (source,) = article.sources.all()
    assert source.url == "https://doi.org/10.1155/2011/379173"


def test_a_page_needs_its_english_text(receptionist_client, reviewer):
    response = receptionist_client.post(
        reverse("admin:education_article_add"),
        {
            "title_en": "",
            "title_de": "Nur Deutsch",
            "slug": "nur-deutsch",
            "summary_en": "",
            "body_en": "",
            "reviewed_by": reviewer.pk,
            "last_reviewed": "2026-11-16",
            "order": 0,
            "sources-TOTAL_FORMS": 0,
            "sources-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not Article.objects.exists()
