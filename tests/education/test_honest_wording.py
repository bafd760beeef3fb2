"""No page on the site promises a result, in any language."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from education.models import Article
from tests.education.conftest import LANGUAGES
from treatments.models import Protocol

pytestmark = pytest.mark.django_db

# Words that promise a result. Each matches at the start of a word, so "guarantee" also finds
# "guaranteed" and "Wunder" finds "Wundermittel".
PROMISES = [
    # English
    "guarantee",
    "will improve",
    "will cure",
    "will remove",
    "will eliminate",
    "will restore",
    "miracle",
    "permanent results",
    "permanently",
    "100%",
    "risk-free",
    "no risk",
    "no side effects",
    "clinically proven",
    # German
    "garantiert",
    "Garantie",
    "Wunder",
    "dauerhaft",
    "100 %",
    "risikofrei",
    "ohne Risiko",
    "keine Nebenwirkungen",
    "nebenwirkungsfrei",
    "klinisch bewiesen",
    # Turkish
    "garanti",
    "mucize",
    "kalıcı",
    "%100",
    "kesin sonuç",
    "yan etkisi yok",
    "yan etkisiz",
    "risksiz",
]

# Honest sentences that contain a listed word: saying that nothing is guaranteed is the point.
# Each is removed before the check, so the same word anywhere else still fails.
NOT_A_PROMISE = [
    # A negation right before the word.
    r"\b(?:not|no|cannot|can't) guarantee",
    r"\b(?:keine|nicht|kein) (?:garantie|garantiert)",
    r"garanti (?:edemez|edilemez|yoktur|değildir|vermez|veremez)",
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


def promises_in(page_html: str) -> list[str]:
    """The promise words in what a visitor (or a search result snippet) reads on the page."""
    text = " ".join(html.unescape(page_html).split()).casefold()
    for pattern in NOT_A_PROMISE:
        text = re.sub(pattern, " ", text)
    return [
        phrase for phrase in PROMISES if re.search(rf"(?<!\w){re.escape(phrase.casefold())}", text)
    ]


def test_the_check_finds_a_promise_and_lets_an_honest_sentence_pass():
    assert promises_in("<p>Results are <b>guaranteed</b> after one session.</p>") == ["guarantee"]
    assert promises_in("<p>Ein echtes Wundermittel: 100&nbsp;% zufrieden.</p>") == [
        "Wunder",
        "100 %",
    ]
    assert promises_in("<p>Sonuçlar kalıcıdır.</p>") == ["kalıcı"]
    assert promises_in("<p>We cannot guarantee a result: it is not guaranteed.</p>") == []
    assert promises_in("<p>Es gibt keine Garantie.</p><p>Sonuç garanti edilemez.</p>") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_public_page_promises_a_result(client, seeded_site, language):
    pages = public_pages(language)
    assert len(pages) >= 4 + seeded_site

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found = promises_in(response.text)
        assert not found, f"{url} says {found}"


def test_search_pages_used_here_do_find_something(client, seeded_site):
    for language in LANGUAGES:
        with translation.override(language):
            url = f"{reverse('education:search')}?q={SEARCHES[language]}"
        assert 'class="result-title"' in client.get(url).text, url
