"""No page on the site promises a result, in any language."""

import pytest
from django.urls import reverse
from django.utils import translation

from education.models import Article
from tests.education.conftest import LANGUAGES
from treatments.models import Protocol

pytestmark = pytest.mark.django_db

PROMISES = [
    # English
    "guarantee",
    "will cure",
    "will remove",
    "will eliminate",
    "permanent results",
    "100%",
    "risk-free",
    "no side effects",
    "miracle cure",
    # German
    "garantiert",
    "Garantie",
    "risikofrei",
    # Turkish
    "garanti",
    "kesin sonuç",
    "yan etkisi yok",
    "risksiz",
]

SEARCHES = {"en": "exosomes", "de": "Exosomen", "tr": "eksozom"}


def public_pages(language: str) -> list[str]:
    with translation.override(language):
        return [
            reverse("home"),
            reverse("treatments:protocol-list"),
            *(protocol.get_absolute_url() for protocol in Protocol.objects.published()),
            reverse("education:article-list"),
            *(article.get_absolute_url() for article in Article.objects.published()),
            f"{reverse('education:search')}?q={SEARCHES[language]}",
        ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_public_page_promises_a_result(client, seeded_site, language):
    pages = public_pages(language)
    assert len(pages) >= 4 + seeded_site

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.text.casefold()
        found = [phrase for phrase in PROMISES if phrase.casefold() in text]
        assert not found, f"{url} says {found}"


def test_search_pages_used_here_do_find_something(client, seeded_site):
    for language in LANGUAGES:
        with translation.override(language):
            url = f"{reverse('education:search')}?q={SEARCHES[language]}"
        assert 'class="result-title"' in client.get(url).text, url
