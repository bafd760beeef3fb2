"""A word finds the compound words that contain it, on PostgreSQL as on SQLite (issue 20).

German joins words: "Akne" (acne) sits inside "Aknenarben" (acne scars) and "Aknenarben-Serie".
PostgreSQL's full-text search sees "aknenarb" as one word and never matched "Akne", so a German
visitor searching "Akne" found only the safety page. Search now also matches each word inside
the text, beside the full-text match (and its stemming and ranking) on PostgreSQL.

Run this file on both databases: as is (SQLite) and with
DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_<name> and --create-db.
"""

import re

import pytest
from django.conf import settings

from education.models import Article
from tests.education.test_search import result_titles
from tests.factories import ArticleFactory, ProtocolFactory
from treatments.models import Protocol

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def german_text(article: Article) -> str:
    return " ".join(filter(None, [article.title_de, article.summary_de, article.body_de]))


def test_german_akne_finds_the_acne_scar_course_and_the_guides_about_acne_scars(
    client, seeded_site
):
    acne_course = Protocol.objects.get(slug="acne-scars-laser-msc")
    about_acne = [a for a in Article.objects.published() if "akne" in german_text(a).lower()]
    only_as_compound = [
        a for a in about_acne if not re.search(r"\bAkne\b", german_text(a), re.IGNORECASE)
    ]
    assert only_as_compound, "the demo content has guides that say only 'Aknenarben'"

    html = client.get("/de/search/", {"q": "Akne"}).text

    assert acne_course.name_de in result_titles(html, "treatments")
    assert sorted(result_titles(html, "learn")) == sorted(a.title_de for a in about_acne)
    for article in only_as_compound:
        assert article.title_de in result_titles(html, "learn")


def test_a_word_is_found_at_the_start_inside_and_at_the_end_of_a_compound(client):
    ArticleFactory(slug="scars", title_de="Narben", body_de="Behandlung von Aknenarben.\n")
    ArticleFactory(slug="face", title_de="Gesicht", body_de="Bei Erwachsenenakne hilft …\n")
    ArticleFactory(slug="hyphen", title_de="Serie", body_de="Die Akne-Serie im Überblick.\n")
    ArticleFactory(slug="other", title_de="Haare", body_de="Kreisrunder Haarausfall.\n")

    found = {a.slug for a in Article.objects.published().search("akne", "de")}

    assert found == {"scars", "face", "hyphen"}


def test_every_word_must_still_match_somewhere(client):
    ArticleFactory(slug="scars", title_de="Narben", body_de="Behandlung von Aknenarben.\n")

    assert [a.slug for a in Article.objects.published().search("Akne Narben", "de")] == ["scars"]
    assert list(Article.objects.published().search("Akne Haarausfall", "de")) == []


def test_a_course_name_is_found_by_part_of_a_compound(client):
    ProtocolFactory(name="Acne scar course", name_de="Aknenarben-Serie mit Laser")

    assert [p.name_de for p in Protocol.objects.published().search("akne", "de")] == [
        "Aknenarben-Serie mit Laser"
    ]


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRESQL, reason="ranking and stemming need PostgreSQL")
def test_on_postgresql_a_whole_word_match_ranks_above_a_compound_and_stemming_still_works():
    ArticleFactory(slug="compound", title_de="Narben", body_de="Behandlung von Aknenarben.\n")
    ArticleFactory(slug="whole", title_de="Akne", body_de="Akne bei Erwachsenen.\n")

    ranked = [a.slug for a in Article.objects.published().search("Akne", "de")]
    stemmed = [a.slug for a in Article.objects.published().search("Erwachsener", "de")]

    assert ranked == ["whole", "compound"]
    assert stemmed == ["whole"]
