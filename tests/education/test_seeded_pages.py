"""The real education content loads, and every page reads well in English, German and Turkish."""

import itertools
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import formats, translation
from django.utils.html import escape

from education import demo as education_demo
from education.models import Article, Source
from tests.education.conftest import (
    LANGUAGES,
    SEEDED_PAGES,
    element_ids,
    heading_levels,
    page_text,
)
from tests.factories import IndicationFactory, ProtocolFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", SEEDED_PAGES, ids=lambda page: page["slug"])
def test_every_seeded_page_renders_with_its_sources_and_review_date(
    client, seeded_site, page, language
):
    text = page_text(f"{language}/{page['slug']}.md")
    reviewed_on = date.fromisoformat(page["reviewed_on"])
    with translation.override(language):
        shown_date = formats.date_format(reviewed_on, "DATE_FORMAT")

    response = client.get(f"/{language}/learn/{page['slug']}/")

    assert response.status_code == 200
    html = response.text
    assert f'<html lang="{language}">' in html
    assert f'<h1 id="article-title" class="mb-3">{escape(text["title"])}</h1>' in html
    assert escape(text["summary"]) in html
    assert page["sources"], "every page names its sources"
    for source in page["sources"]:
        assert escape(source["title"]) in html
        if source["url"]:
            assert f'href="{source["url"]}"' in html
    review_line = re.search(r'<p class="review-line[^"]*">(.*?)</p>', html, re.DOTALL)[1]
    assert "Dr. med. Anna Weber" in review_line
    assert "Dermatologist" in review_line
    assert shown_date in review_line
    assert f'<time datetime="{reviewed_on.isoformat()}">{shown_date}</time>' in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", SEEDED_PAGES, ids=lambda page: page["slug"])
def test_every_seeded_page_has_one_h1_and_headings_in_order(client, seeded_site, page, language):
    html = client.get(f"/{language}/learn/{page['slug']}/").text

    levels = heading_levels(html)
    assert levels[0] == 1, "the page title comes first"
    assert levels.count(1) == 1, "one h1"
    jumps = [
        (earlier, later) for earlier, later in itertools.pairwise(levels) if later - earlier > 1
    ]
    assert not jumps, f"headings skip a level going down: {jumps}"
    ids = element_ids(html)
    assert sorted(ids) == sorted(set(ids)), "no id appears twice"


def test_every_seeded_page_has_its_own_text_in_every_language():
    for page in SEEDED_PAGES:
        titles = {
            language: page_text(f"{language}/{page['slug']}.md")["title"] for language in LANGUAGES
        }
        assert len(set(titles.values())) == len(LANGUAGES), titles


def test_seeding_twice_keeps_one_page_per_slug_and_replaces_the_sources(reviewer, seeded_site):
    education_demo.seed(reviewer=reviewer)

    assert seeded_site == len(SEEDED_PAGES)
    assert Article.objects.count() == len(SEEDED_PAGES)
    assert Source.objects.count() == sum(len(page["sources"]) for page in SEEDED_PAGES)
    assert Article.objects.published().count() == len(SEEDED_PAGES)


def test_seeded_pages_link_their_protocols_and_indications(seeded_site):
    for page in SEEDED_PAGES:
        article = Article.objects.get(slug=page["slug"])
        assert sorted(article.related_protocols.values_list("slug", flat=True)) == sorted(
            page["protocols"]
        )
        assert sorted(article.related_indications.values_list("slug", flat=True)) == sorted(
            page["indications"]
        )


def test_seed_demo_command_loads_the_education_pages(db, capsys):
    call_command("seed_demo", allow_production=True)

    assert f"Education: {len(SEEDED_PAGES)} pages" in capsys.readouterr().out
    assert Article.objects.filter(reviewed_by__user__username="dr.weber").count() == len(
        SEEDED_PAGES
    )


def write_content(root: Path, *, pages_toml: str, files: dict[str, str]) -> Path:
    (root / "pages.toml").write_text(pages_toml, encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


SMALL_PAGES_TOML = """
[[page]]
slug = "small-page"
order = 5
reviewed_on = "2026-10-01"
indications = ["acne-scars"]
protocols = ["laser-course"]

[[page.sources]]
title = "A small study"
publisher = "Acta Dermato-Venereologica"
year = 2020
url = ""
"""

ENGLISH_PAGE = "---\ntitle: A small page\nsummary: Short.\n---\n## First\n\nEnglish body.\n"


def test_a_missing_translation_falls_back_to_english(client, reviewer, tmp_path):
    IndicationFactory(slug="acne-scars")
    ProtocolFactory(slug="laser-course")
    content = write_content(
        tmp_path,
        pages_toml=SMALL_PAGES_TOML,
        files={
            "en/small-page.md": ENGLISH_PAGE,
            "de/small-page.md": "---\ntitle: Eine kleine Seite\nsummary: Kurz.\n---\nDeutsch.\n",
        },
    )

    assert education_demo.seed(reviewer=reviewer, content_dir=content) == 1

    article = Article.objects.get(slug="small-page")
    assert (article.title_en, article.title_de, article.title_tr) == (
        "A small page",
        "Eine kleine Seite",
        None,
    )
    assert article.last_reviewed == date(2026, 10, 1)
    assert [source.title for source in article.sources.all()] == ["A small study"]
    assert "A small page" in client.get("/tr/learn/small-page/").text
    assert "Eine kleine Seite" in client.get("/de/learn/small-page/").text


def test_seed_names_an_unknown_protocol_slug(reviewer, tmp_path):
    IndicationFactory(slug="acne-scars")
    content = write_content(
        tmp_path, pages_toml=SMALL_PAGES_TOML, files={"en/small-page.md": ENGLISH_PAGE}
    )

    with pytest.raises(education_demo.ContentError, match="'laser-course', which does not exist"):
        education_demo.seed(reviewer=reviewer, content_dir=content)
    assert not Article.objects.exists()


def test_seed_refuses_a_summary_longer_than_300_characters(reviewer, tmp_path):
    IndicationFactory(slug="acne-scars")
    ProtocolFactory(slug="laser-course")
    too_long = "x" * 301
    content = write_content(
        tmp_path,
        pages_toml=SMALL_PAGES_TOML,
        files={"en/small-page.md": f"---\ntitle: T\nsummary: {too_long}\n---\nBody\n"},
    )

    with pytest.raises(education_demo.ContentError, match="301 characters; at most 300"):
        education_demo.seed(reviewer=reviewer, content_dir=content)
