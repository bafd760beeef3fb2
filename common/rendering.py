"""Markdown page bodies to safe HTML, plus the table of contents built from their sections.

Markdown lets authors write raw HTML, so the output is always sanitised with nh3 down to the few
tags Markdown itself produces. Nothing a staff account types can run script on a patient's page.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass

import markdown
import nh3
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions.toc import TocExtension, slugify_unicode

# A table of contents helps on long pages only; below this many sections it is clutter.
TOC_MIN_SECTIONS = 3

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "hr",
    "br",
}
ALLOWED_ATTRIBUTES = {
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "a": {"href", "title"},
    "ol": {"start"},
}
# Relative links (to other pages of the site) pass; absolute ones only with these schemes, so
# javascript: and data: links are dropped.
URL_SCHEMES = {"https", "mailto"}
# The templates a body is rendered into. Every id they use is reserved: a heading that would take
# one gets a suffix instead, so the skip link and aria-labelledby keep pointing at the right
# element and the page has no duplicate id.
PAGE_TEMPLATES = ("base.html", "education/article_detail.html")
# A literal id="…"; ids built from variables are the body's own headings (the table of contents)
# or the numbered sources below.
_TEMPLATE_ID = re.compile(r'\bid="([^"{}]+)"')
# The sources list numbers its items id="source-1", "source-2", … so citations can link to them.
_SOURCE_ID = re.compile(r"source-\d+")

# The page title is the only h1, and the sanitiser allows h2–h4: move other levels into range
# so a stray "#" or "#####" keeps its text as a heading instead of losing the tag.
_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b")
_HEADING_LEVEL = {"1": "2", "5": "4", "6": "4"}


@dataclass(frozen=True)
class Section:
    id: str
    title: str


@dataclass(frozen=True)
class RenderedBody:
    html: SafeString
    sections: list[Section]

    @property
    def has_table_of_contents(self) -> bool:
        return len(self.sections) >= TOC_MIN_SECTIONS


@functools.cache
def reserved_ids() -> frozenset[str]:
    """Every literal id in the page templates, read from the templates themselves."""
    return frozenset(
        identifier
        for name in PAGE_TEMPLATES
        for identifier in _TEMPLATE_ID.findall(get_template(name).template.source)
    )


def _slugify(value: str, separator: str) -> str:
    # "İ".lower() is "i" plus a combining dot (U+0307), which would leave a decomposed character
    # in Turkish anchors; the Turkish lower case of "İ" is a plain "i". NFC composes the rest.
    value = unicodedata.normalize("NFC", value.replace("İ", "i"))
    slug = unicodedata.normalize("NFC", slugify_unicode(value, separator)) or "section"
    reserved = slug in reserved_ids() or _SOURCE_ID.fullmatch(slug)
    return f"{slug}-section" if reserved else slug


def _heading_in_range(match: re.Match[str]) -> str:
    closing, level = match.groups()
    return f"<{closing}h{_HEADING_LEVEL.get(level, level)}"


def _sections(tokens: list[dict]) -> list[Section]:
    # Authors start sections with "##"; a "#" heading was moved to h2, so its children count too.
    sections = []
    for token in tokens:
        if token["level"] <= 2:
            sections.append(Section(id=token["id"], title=html.unescape(token["name"])))
        if token["level"] == 1:
            sections.extend(_sections(token["children"]))
    return sections


def sanitize(untrusted_html: str) -> str:
    return nh3.clean(
        untrusted_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
    )


def render_markdown(text: str) -> RenderedBody:
    converter = markdown.Markdown(
        extensions=[TocExtension(slugify=_slugify), "tables", "sane_lists"],
        output_format="html",
    )
    converted = _HEADING_TAG.sub(_heading_in_range, converter.convert(text))
    return RenderedBody(
        html=mark_safe(sanitize(converted)),
        sections=_sections(converter.toc_tokens),
    )
