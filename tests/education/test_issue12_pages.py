"""Issue 12: corrected medical statements, sourced protocol pages, legal and contact pages."""

import itertools
import re
from datetime import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import WorkingHours
from education.demo import CONTENT_DIR
from education.models import InfoPage
from tests.education.conftest import LANGUAGES, page_text
from tests.factories import ClinicianFactory
from treatments.models import Protocol

# A paragraph that states a percentage, a count of people or studies, a size in nanometres, a
# year or a hair count makes a claim a source must back.
NUMERIC_CLAIM = re.compile(
    r"\d+(?:[.,]\d+)?\s?%|%\s?\d+|\b(?:19|20)\d\d\b|\d+\s?(?:nm|nanomet|Nanomet)"
    r"|\b\d[\d.,]*\s+(?:people|patients|women|men|trials|studies|Personen|Patienten|Frauen|"
    r"Männern|Studien|kişi|hasta|kadın|erkek|çalışma)",
)
CITATION = re.compile(r"\(#source-(\d+)\)")


def blocks(body: str) -> list[str]:
    return [b for b in re.split(r"\n\s*\n|\n(?=- )", body) if b.strip() and not b.startswith("#")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_numeric_claim_links_a_source_row_of_its_page(language):
    import tomllib

    pages = tomllib.loads((CONTENT_DIR / "pages.toml").read_text())["page"]
    unsourced = []
    for page in pages:
        body = page_text(f"{language}/{page['slug']}.md")["body"]
        for block in blocks(body):
            cited = [int(n) for n in CITATION.findall(block)]
            if any(n < 1 or n > len(page["sources"]) for n in cited):
                unsourced.append((page["slug"], "cites a missing source", block[:80]))
            if NUMERIC_CLAIM.search(block) and not cited:
                unsourced.append((page["slug"], block[:80]))
    assert unsourced == []


@pytest.mark.parametrize(
    ("path", "wrong"),
    [
        ("en/what-is-an-exosome.md", "30 to 100 nanometres"),
        ("de/what-is-an-exosome.md", "30 bis 100 Nanometer"),
        ("tr/what-is-an-exosome.md", "30 ile 100 nanometre"),
        ("en/what-exosomes-are-used-for.md", "we found no clinical trial that looked mainly"),
        ("en/what-exosomes-are-used-for.md", "one report describing two patients"),
        ("de/safety-regulation-and-evidence.md", "lizenziert"),
        ("de/faq.md", "lizenziert"),
        ("de/what-is-an-exosome.md", "Hautkliniken"),
        ("en/how-a-course-works.md", "Plan for about 90 minutes"),
        ("en/how-a-course-works.md", "Sometimes a clinician reviews your plan"),
    ],
)
def test_corrected_statements_are_gone(path, wrong):
    page = page_text(path)
    assert wrong not in page["body"] + page["summary"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_sepsis_is_attributed_to_nebraskas_health_department_not_the_fda(language):
    body = page_text(f"{language}/safety-regulation-and-evidence.md")["body"]
    sepsis = [b for b in blocks(body) if "epsis" in b]
    assert sepsis, "the sepsis reports are still described"
    for block in sepsis:
        assert "Nebraska" in block and "(#source-11)" in block
    # The FDA's own paragraph cites the FDA notice and speaks of serious adverse events only.
    fda = next(b for b in blocks(body) if "(#source-1)" in b)
    assert "epsis" not in fda


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_rezervasyon_in_turkish_and_costs_section_everywhere(language):
    texts = " ".join(
        page_text(p.relative_to(CONTENT_DIR).as_posix())["body"]
        for p in (CONTENT_DIR / language).glob("*.md")
    )
    if language == "tr":
        assert "ezervasyon" not in texts
    assert {"en": "What does it cost?", "de": "Was kostet", "tr": "Ücret ne kadar?"}[
        language
    ] in page_text(f"{language}/faq.md")["body"]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "query"), [("en", "price"), ("de", "Preis"), ("tr", "fiyat")])
def test_searching_price_finds_the_costs_page(client, seeded_site, language, query):
    response = client.get(f"/{language}/search/", {"q": query})
    assert "/learn/faq/" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("one", "other"), [("İlaç", "ilaç"), ("IŞIK", "ışık")])
def test_turkish_capitals_find_the_same_pages(client, seeded_site, one, other):
    def found(query: str) -> list[str]:
        html = client.get("/tr/search/", {"q": query}).content.decode()
        return sorted(set(re.findall(r'href="(/tr/(?:learn|treatments)/[^"]+)"', html)))

    assert found(one) == found(other)
    if one.startswith("İ") or one.startswith("IL"):
        assert "/tr/learn/safety-regulation-and-evidence/" in found(one)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["ａｃｎｅ", "ac\u200bne", "ac\u00adne", "Hautverju\u0308ngung"])
def test_unicode_variants_find_what_the_plain_word_finds(client, seeded_site, query):
    language = "de" if "Haut" in query else "en"
    plain = "Hautverjüngung" if language == "de" else "acne"

    def found(q: str) -> list[str]:
        html = client.get(f"/{language}/search/", {"q": q}).content.decode()
        return sorted(set(re.findall(r'href="(/\w\w/(?:learn|treatments)/[^"]+)"', html)))

    assert found(query) == found(plain) != []


@pytest.mark.django_db
def test_every_protocol_page_shows_sources_reviewer_date_and_regulatory_sentence(
    client, seeded_site
):
    for protocol in Protocol.objects.published():
        html = client.get(protocol.get_absolute_url()).content.decode()
        review = protocol.review
        assert "found none" in html and "FDA-approved exosome products" in html
        assert "/learn/safety-regulation-and-evidence/" in html
        assert "Dr. med. Anna Weber" in html and "Medically reviewed by" in html
        assert review.last_reviewed.strftime("%Y") in html
        for source in review.sources.all():
            assert source.title.replace("&", "&amp;") in html.replace("&#x27;", "'")


@pytest.mark.django_db
def test_protocol_durations_come_from_its_fields(client, seeded_site):
    protocol = Protocol.objects.get(slug="own-adipose-msc-exosomes-laser")
    protocol.lab_lead_days = 27
    protocol.preparation_minutes = 95
    protocol.save()
    html = client.get(protocol.get_absolute_url()).content.decode()
    assert "at least 27 days after the preparation visit" in html
    assert "95 minute visit" in html
    assert "some days" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "treatments:protocol-list", "education:contact"])
def test_footer_links_impressum_and_privacy_on_every_page(client, seeded_site, url_name):
    html = client.get(reverse(url_name)).content.decode()
    assert 'href="/en/impressum/"' in html and 'href="/en/privacy/"' in html


@pytest.mark.django_db
def test_legal_pages_are_editable_in_the_admin_in_three_languages(seeded_site, receptionist_client):
    page = InfoPage.objects.get(kind="privacy")
    response = receptionist_client.post(
        reverse("admin:education_infopage_change", args=[page.pk]),
        {
            "kind": "privacy",
            "title_en": "Privacy",
            "title_de": "Datenschutz",
            "title_tr": "Gizlilik",
            "body_en": "Our data protection officer is Jane Roe.",
            "body_de": "Unsere Datenschutzbeauftragte ist Jane Roe.",
            "body_tr": "Veri koruma görevlimiz Jane Roe'dur.",
        },
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.body_en, page.body_tr) == (
        "Our data protection officer is Jane Roe.",
        "Veri koruma görevlimiz Jane Roe'dur.",
    )
    visitor = Client()
    assert "Unsere Datenschutzbeauftragte ist Jane Roe." in visitor.get("/de/privacy/").text


@pytest.mark.django_db
def test_opening_hours_follow_the_working_hours(client, seeded_site):
    WorkingHours.objects.all().delete()
    clinician = ClinicianFactory()
    WorkingHours.objects.create(clinician=clinician, weekday=2, start=time(9), end=time(13))
    WorkingHours.objects.create(clinician=clinician, weekday=2, start=time(12), end=time(17, 30))
    html = client.get("/en/contact/").content.decode()
    assert "09:00–17:30" in html
    WorkingHours.objects.filter(weekday=2, start=time(12)).delete()
    WorkingHours.objects.filter(weekday=2).update(end=time(11))
    html = client.get("/en/contact/").content.decode()
    assert "09:00–11:00" in html and "17:30" not in html


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"<svg" in response.content


@pytest.mark.django_db
def test_not_found_page_has_no_self_canonical_or_hreflang(client):
    response = client.get("/en/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'rel="canonical"' not in html and "hreflang=" not in html.split("<body")[0]


def test_turkish_heading_anchor_has_no_combining_characters():
    from common.rendering import render_markdown

    html = render_markdown("## İlaç ve Tıbbi Cihaz Kurumu").html
    assert 'id="ilaç-ve-tıbbi-cihaz-kurumu"' in html and "\u0307" not in html


@pytest.mark.django_db
def test_closures_ahead_show_their_last_closed_day(client, seeded_site):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bookings.models import TimeOff

    berlin = ZoneInfo("Europe/Berlin")
    TimeOff.objects.create(
        start=datetime(2099, 12, 24, tzinfo=berlin),
        end=datetime(2099, 12, 27, tzinfo=berlin),
        reason="Holidays",
    )
    html = client.get("/en/contact/").content.decode()
    assert "Dec. 24, 2099 – Dec. 26, 2099: Holidays" in html


@pytest.mark.django_db
def test_turkish_review_dates_read_like_turkish(client, seeded_site):
    html = client.get("/tr/learn/faq/").content.decode()
    assert "6 Aralık 2026" in html and "06 Aralık 2026" not in html


@pytest.mark.django_db
def test_sitemap_lastmod_is_the_seeded_pages_last_change(client, seeded_site):
    """Since issue 20 a page's lastmod is its row's last change, not its review date (this test
    compared it with the review date, which matched only on the day the content was seeded)."""
    from education.models import Article
    from treatments.models import Protocol

    xml = client.get("/sitemap.xml").content.decode()
    faq = re.search(r"<loc>http://testserver/en/learn/faq/</loc>\s*<lastmod>([^<]+)</lastmod>", xml)
    changed = timezone.localdate(Article.objects.get(slug="faq").updated_at)
    assert faq and faq.group(1) == changed.isoformat()
    protocol = re.search(
        r"<loc>http://testserver/en/treatments/acne-scars-laser-msc/</loc>\s*<lastmod>([^<]+)<", xml
    )
    changed = timezone.localdate(Protocol.objects.get(slug="acne-scars-laser-msc").updated_at)
    assert protocol and protocol.group(1) == changed.isoformat()


@pytest.mark.django_db
def test_catalogue_headings_do_not_skip_a_level(client, seeded_site):
    from tests.education.conftest import heading_levels

    html = client.get(reverse("treatments:protocol-list")).content.decode()
    levels = heading_levels(html.split("<main", 1)[1])
    assert levels[0] == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))


@pytest.mark.django_db
def test_search_forms_and_language_links_have_names(client, seeded_site):
    html = client.get(reverse("education:article-list")).content.decode()
    names = re.findall(r'<form[^>]*role="search"[^>]*aria-label="([^"]+)"', html)
    assert len(names) == 2 and len(set(names)) == 2
    assert '<span class="visually-hidden">Deutsch</span>' in html
    assert '<span class="visually-hidden">Türkçe</span>' in html


@pytest.mark.django_db
def test_html_is_compressed_for_browsers_that_accept_gzip(client, seeded_site):
    response = client.get(reverse("treatments:protocol-list"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"


@pytest.mark.django_db
def test_the_consent_step_links_the_privacy_notice(client):
    from tests.bookings.online import answer_screening, hold, url
    from tests.clinic_data import seed_small_clinic

    protocol = seed_small_clinic().protocol
    answer_screening(client, protocol)
    hold(client, protocol)

    html = client.get(url("review", protocol)).content.decode()

    consent = html.split('id="consent-title"', 1)[1].split("</section>", 1)[0]
    assert f'href="{reverse("education:privacy")}"' in consent
