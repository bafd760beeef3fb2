"""The English guides and protocol pages stay at about school grade 8 or lower (docs/content.md).

The grade is the US Flesch-Kincaid grade that `textstat` computes from sentence length and
syllables per word. What is measured is the clinic's own text as a patient reads it:

- a guide: its title, summary and body (Markdown rendered, then the HTML stripped);
- a protocol page: every translated text field of the protocol except its name (summary,
  description, what to expect, aftercare, legal status and any field added later).

Every block (paragraph, list item, heading, table cell) counts as a sentence of its own, so a
list of short items is not read as one endless sentence. The test prints the grade of every page
(`pytest -s` shows it) and fails, naming each page above the limit, when one is too hard.
"""

from __future__ import annotations

import html
import re

import pytest
import textstat
from modeltranslation.translator import translator

from common.rendering import render_markdown
from education.models import Article
from treatments.models import Protocol

pytestmark = pytest.mark.django_db

# THE LIMIT (docs/content.md, "Reading level"): the US school grade the English text of each
# guide and each protocol page may reach at most. Change it only together with docs/content.md.
MAX_GRADE = 8.0

_BLOCK_END = re.compile(r"</(p|li|h[1-6]|td|th|dt|dd|blockquote|pre|tr)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_ENDS_SENTENCE = re.compile(r"[.!?:;]\s*$")


def plain_text(markdown_text: str) -> str:
    """Readable sentences from Markdown: the HTML stripped, every block ended as a sentence."""
    rendered = render_markdown(markdown_text).html
    blocks = []
    for chunk in _BLOCK_END.split(rendered):
        if chunk is None:
            continue
        text = " ".join(html.unescape(_TAG.sub("", chunk)).split())
        if not text or re.fullmatch(r"(p|li|h[1-6]|td|th|dt|dd|blockquote|pre|tr)", text, re.I):
            continue
        blocks.append(text if _ENDS_SENTENCE.search(text) else f"{text}.")
    return " ".join(blocks)


def english_grade(text: str) -> float:
    textstat.set_lang("en_US")
    return textstat.flesch_kincaid_grade(text)


def guide_text(article: Article) -> str:
    return "\n\n".join([f"# {article.title_en}", article.summary_en or "", article.body_en or ""])


def protocol_text(protocol: Protocol) -> str:
    fields = [
        field for field in translator.get_options_for_model(Protocol).fields if field != "name"
    ]
    return "\n\n".join(getattr(protocol, f"{field}_en") or "" for field in sorted(fields))


def page_grades() -> dict[str, float]:
    grades = {}
    for article in Article.objects.published().order_by("order", "slug"):
        grades[f"guide {article.slug}"] = english_grade(plain_text(guide_text(article)))
    for protocol in Protocol.objects.published().order_by("display_order", "slug"):
        grades[f"protocol {protocol.slug}"] = english_grade(plain_text(protocol_text(protocol)))
    return grades


def test_plain_text_ends_every_block_as_a_sentence():
    text = plain_text("## Before the visit\n\n- No sun\n- No retinoids\n\nCall us if *unsure*.")

    assert text == "Before the visit. No sun. No retinoids. Call us if unsure."


def test_a_long_winded_page_is_graded_above_the_limit_and_a_plain_one_below():
    plain = "We use a fine needle. Your skin may be red for a day. Call us if it hurts."
    dense = (
        "Comprehensive characterisation of extracellular vesicle heterogeneity necessitates "
        "standardised methodological frameworks, particularly regarding isolation, "
        "quantification and functional verification of therapeutic immunomodulatory potency."
    )

    assert english_grade(plain_text(plain)) <= MAX_GRADE
    assert english_grade(plain_text(dense)) > MAX_GRADE


def test_every_guide_and_protocol_page_reads_at_grade_8_or_lower(seeded_site):
    grades = page_grades()

    assert any(name.startswith("guide ") for name in grades)
    assert any(name.startswith("protocol ") for name in grades)
    print(f"\nFlesch-Kincaid US grade of the English text (limit {MAX_GRADE:g}):")
    for name, grade in grades.items():
        print(f"  {grade:5.1f}  {name}{'  <- above the limit' if grade > MAX_GRADE else ''}")
    too_hard = {name: grade for name, grade in grades.items() if grade > MAX_GRADE}
    assert not too_hard, f"Above grade {MAX_GRADE:g} (docs/content.md): " + ", ".join(
        f"{name} ({grade:.1f})" for name, grade in too_hard.items()
    )
