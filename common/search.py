"""Site search over translated text columns, in the visitor's language.

PostgreSQL ranks with its full-text search and the language's stemming (so "Narben" finds
"Narbe"); SQLite, used in development, matches every word as a substring instead.
"""

from __future__ import annotations

import functools
import operator
import unicodedata
from typing import TypeVar

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import F, Func, Model, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.utils import build_localized_fieldname

QUERY_MAX_LENGTH = 200
QUERY_MAX_WORDS = 8
# PostgreSQL text search configurations that stem and drop stop words for each site language.
SEARCH_CONFIGS = {"en": "english", "de": "german", "tr": "turkish"}
WEIGHTS = ("A", "B", "C", "D")

ModelT = TypeVar("ModelT", bound=Model)


# Invisible characters that can sit inside a pasted word: soft hyphen, zero-width space,
# non-joiner and joiner, word joiner, byte-order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# Turkish has a dotted and a dotless i in both cases; Python's lower() maps "I" to "i" and "İ"
# to "i" plus a combining dot, so these are folded by hand.
_TURKISH_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_TURKISH_UPPER = str.maketrans({"i": "İ", "ı": "I"})


def normalize_query(query: str) -> str:
    """The query as the plain word: compatibility-composed (NFKC), invisible characters removed.

    NFKC turns a fullwidth "ａｃｎｅ" into "acne" and a decomposed "u" + "¨" into "ü".
    """
    return unicodedata.normalize("NFKC", query.translate(_INVISIBLE))


def turkish_lower(text: str) -> str:
    return text.translate(_TURKISH_LOWER).lower()


def search_words(query: str) -> list[str]:
    return normalize_query(query[:QUERY_MAX_LENGTH]).split()[:QUERY_MAX_WORDS]


def spellings(word: str, language: str) -> set[str]:
    """Case variants of a word for databases that fold ASCII letters only (SQLite).

    Built from the word's lower case in the page's language, so "IŞIK" and "ışık" (Turkish) or
    "ÜBERSICHT" and "übersicht" give the same variants: lower, capitalised and upper case.
    """
    if language == "tr":
        lower = turkish_lower(word)
        upper = lower.translate(_TURKISH_UPPER).upper()
        capitalised = lower[:1].translate(_TURKISH_UPPER).upper() + lower[1:]
    else:
        lower = word.lower()
        upper, capitalised = word.upper(), lower.capitalize()
    # Python's "İ".lower() leaves a combining dot (U+0307) that no page text contains.
    composed = {unicodedata.normalize("NFC", variant) for variant in (lower, capitalised, upper)}
    return {variant.replace("\u0307", "") for variant in composed}


def shown_text(field: str, language: str) -> Coalesce | F:
    """The text a visitor actually reads: this language's column, or English when it is empty.

    The same fallback as django-modeltranslation's, so search never misses words on the page.
    """
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    column = F(build_localized_fieldname(field, language))
    if language == default:
        return column
    return Coalesce(
        NullIf(column, Value("")),
        F(build_localized_fieldname(field, default)),
        output_field=TextField(),
    )


def text_search(
    queryset: QuerySet[ModelT], query: str, language: str, *, weighted_fields: tuple[str, ...]
) -> QuerySet[ModelT]:
    """Rows whose translated text matches every word of `query`; best matches first on PostgreSQL.

    `weighted_fields` are the translated field names, most important first (title, summary…).
    """
    words = search_words(query)
    if not words:
        return queryset.none()
    if language not in SEARCH_CONFIGS:
        language = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    texts = {f"search_{field}": shown_text(field, language) for field in weighted_fields}

    if connections[queryset.db].vendor == "postgresql":
        config = SEARCH_CONFIGS[language]
        if language == "tr":
            # PostgreSQL lower-cases "I" to "i" whatever the language, so "IŞIK" would never
            # meet "ışık": fold the dotted and dotless capitals the Turkish way on both sides.
            texts = {name: _turkish_fold(text) for name, text in texts.items()}
            words = [turkish_lower(word) for word in words]
        vector = functools.reduce(
            operator.add,
            (
                SearchVector(text, config=config, weight=weight)
                for text, weight in zip(texts.values(), WEIGHTS, strict=False)
            ),
        )
        search_query = SearchQuery(" ".join(words), config=config, search_type="websearch")
        return (
            queryset.annotate(search_document=vector)
            .filter(search_document=search_query)
            .annotate(search_rank=SearchRank(F("search_document"), search_query))
            .order_by("-search_rank", *queryset.query.order_by or queryset.model._meta.ordering)
        )

    # SQLite folds case for ASCII letters only, so also try the word as a German noun or
    # sentence start would spell it ("übersicht" → "Übersicht"), and with Turkish i's.
    condition = Q()
    for word in words:
        condition &= functools.reduce(
            operator.or_,
            (
                Q(**{f"{name}__icontains": spelling})
                for name in texts
                for spelling in sorted(spellings(word, language))
            ),
        )
    return queryset.alias(**texts).filter(condition)


def _turkish_fold(text: Coalesce | F) -> Func:
    """`text` with "I" as "ı" and "İ" as "i" (PostgreSQL's translate()), as turkish_lower does."""
    return Func(text, Value("Iİ"), Value("ıi"), function="translate", output_field=TextField())
