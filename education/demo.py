"""Load the education pages from education/content/ into the database.

pages.toml holds what every language shares (slug, order, review and next-review dates, related
protocols and indications, sources); <lang>/<slug>.md holds one language's title, summary and
Markdown body:

    ---
    title: What is an exosome?
    summary: One or two sentences.
    ---
    ## First section
    …

Idempotent: pages are found by slug and refreshed, and their sources replaced.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from bookings.models import Clinician
from common.seeding import demo_row
from education.info_pages_demo import INFO_PAGES
from education.models import (
    SUMMARY_MAX_LENGTH,
    Article,
    InfoPage,
    ProtocolReview,
    ProtocolSource,
    Source,
)
from treatments.models import Indication, Protocol

CONTENT_DIR = Path(__file__).resolve().parent / "content"
FRONT_MATTER_FIELDS = ("title", "summary")


class ContentError(ValueError):
    """The content files are inconsistent; the message names the file and what to fix."""


def read_page_file(path: Path) -> dict[str, str]:
    """{"title": …, "summary": …, "body": …} from one language's Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError(f"{path}: must start with a '---' line, then title: and summary:.")
    try:
        end = next(n for n, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise ContentError(f"{path}: the front matter has no closing '---' line.") from None
    page: dict[str, str] = {}
    for line in lines[1:end]:
        key, separator, value = line.partition(":")
        if not separator or key.strip() not in FRONT_MATTER_FIELDS:
            raise ContentError(f"{path}: unexpected front matter line {line!r}.")
        page[key.strip()] = _unquote(value.strip())
    for field in FRONT_MATTER_FIELDS:
        if not page.get(field):
            raise ContentError(f"{path}: the front matter has no {field}.")
    if len(page["summary"]) > SUMMARY_MAX_LENGTH:
        raise ContentError(
            f"{path}: the summary has {len(page['summary'])} characters; "
            f"at most {SUMMARY_MAX_LENGTH} are allowed."
        )
    page["body"] = "\n".join(lines[end + 1 :]).strip() + "\n"
    return page


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _review_date(value: object, slug: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ContentError(
            f"pages.toml: page {slug!r} has reviewed_on={value!r}; use YYYY-MM-DD."
        ) from None


def _next_review_date(data: dict, slug: str) -> date | None:
    """The optional next_review_on date; it must come after the review date."""
    if data.get("next_review_on") is None:
        return None
    next_review = _review_date(data["next_review_on"], slug)
    if next_review <= _review_date(data.get("reviewed_on"), slug):
        raise ContentError(f"{slug!r}: next_review_on={next_review} must come after reviewed_on.")
    return next_review


def _by_slug(model: type[Protocol] | type[Indication], slugs: list[str], page: str) -> list:
    found = {row.slug: row for row in model.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise ContentError(
            f"pages.toml: page {page!r} names {model._meta.verbose_name} {missing[0]!r}, "
            "which does not exist. Seed the catalogue first or correct the slug."
        )
    return [found[slug] for slug in slugs]


@transaction.atomic
def seed(*, reviewer: Clinician, content_dir: Path = CONTENT_DIR, refresh: bool = False) -> int:
    """Create the missing pages of pages.toml, published (all again when refreshing).

    Returns how many pages the content holds; every file is read and checked either way.

    English is required for each page; a missing German or Turkish file leaves that language
    empty, and the page falls back to English.
    """
    with (content_dir / "pages.toml").open("rb") as toml_file:
        pages = tomllib.load(toml_file).get("page", [])
    default_language = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    for data in pages:
        slug = data["slug"]
        texts: dict[str, str | None] = {}
        for language, _name in settings.LANGUAGES:
            path = content_dir / language / f"{slug}.md"
            if not path.exists():
                if language == default_language:
                    raise ContentError(f"{path}: missing; every page needs its English text.")
                texts.update(
                    {f"{field}_{language}": None for field in ("title", "summary", "body")}
                )
                continue
            page = read_page_file(path)
            texts.update({f"{field}_{language}": text for field, text in page.items()})

        article, created = demo_row(
            Article,
            refresh=refresh,
            slug=slug,
            defaults={
                **texts,
                "order": data.get("order", 0),
                "last_reviewed": _review_date(data.get("reviewed_on"), slug),
                "next_review": _next_review_date(data, slug),
                "reviewed_by": reviewer,
                "published": True,
            },
        )
        protocols = _by_slug(Protocol, data.get("protocols", []), slug)
        indications = _by_slug(Indication, data.get("indications", []), slug)
        if not (created or refresh):
            continue
        article.related_protocols.set(protocols)
        article.related_indications.set(indications)
        article.sources.all().delete()
        Source.objects.bulk_create(
            Source(
                article=article,
                title=source["title"],
                publisher=source["publisher"],
                year=source["year"],
                url=source.get("url", ""),
                order=order,
            )
            for order, source in enumerate(data.get("sources", []), start=1)
        )
    seed_protocol_reviews(reviewer=reviewer, content_dir=content_dir, refresh=refresh)
    seed_info_pages(refresh=refresh)
    return len(pages)


def seed_protocol_reviews(*, reviewer: Clinician, content_dir: Path, refresh: bool) -> None:
    """Review date, reviewer and sources of each demo protocol (protocols.toml)."""
    path = content_dir / "protocols.toml"
    if not path.exists():
        return
    with path.open("rb") as toml_file:
        entries = tomllib.load(toml_file).get("protocol", [])
    for data in entries:
        (protocol,) = _by_slug(Protocol, [data["slug"]], "protocols.toml")
        review, created = demo_row(
            ProtocolReview,
            refresh=refresh,
            protocol=protocol,
            defaults={
                "reviewed_by": reviewer,
                "last_reviewed": _review_date(data.get("reviewed_on"), data["slug"]),
                "next_review": _next_review_date(data, data["slug"]),
            },
        )
        if not (created or refresh):
            continue
        review.sources.all().delete()
        ProtocolSource.objects.bulk_create(
            ProtocolSource(
                review=review,
                title=source["title"],
                publisher=source["publisher"],
                year=source["year"],
                url=source.get("url", ""),
                order=order,
            )
            for order, source in enumerate(data.get("sources", []), start=1)
        )


def seed_info_pages(*, refresh: bool) -> None:
    """Impressum, privacy notice and contact page with placeholders the clinic replaces."""
    for kind, data in INFO_PAGES.items():
        demo_row(
            InfoPage,
            refresh=refresh,
            kind=kind,
            defaults={
                f"{field}_{language}": text
                for field in ("title", "body")
                for language, text in data[field].items()
            },
        )
