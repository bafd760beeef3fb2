"""Site search over translated text columns, in the visitor's language.

Every word of the query must match, and a word matches wherever it appears *inside* the text, so
German compounds are found by their parts: "Akne" finds "Aknenarben" and "Aknenarben-Serie",
which full-text search alone never does (it sees "aknenarb" as one word). On PostgreSQL a word
also matches through full-text search with the language's stemming ("Narben" finds "Narbe"), and
results are ranked by it: whole-word matches first, matches only inside a compound after them.
SQLite, used in development, matches inside the text only.
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
                SearchVector(name, config=config, weight=weight)
                for name, weight in zip(texts, WEIGHTS, strict=False)
            ),
        )
        search_query = SearchQuery(" ".join(words), config=config, search_type="websearch")
        # Per word: a full-text match (stemmed) or the word inside the text (a compound's part).
        condition = Q()
        for word in words:
            word_query = SearchQuery(word, config=config, search_type="websearch")
            condition &= Q(search_document=word_query) | _inside(texts, word, language)
        return (
            queryset.alias(**texts)
            .annotate(search_document=vector)
            .filter(condition)
            .annotate(search_rank=SearchRank(F("search_document"), search_query))
            .order_by("-search_rank", *queryset.query.order_by or queryset.model._meta.ordering)
        )

    condition = Q()
    for word in words:
        condition &= _inside(texts, word, language)
    return queryset.alias(**texts).filter(condition)


def _inside(texts: dict[str, object], word: str, language: str) -> Q:
    """The word anywhere inside one of the texts (the start, middle or end of a compound).

    SQLite folds case for ASCII letters only, so the word is also tried as a German noun or a
    sentence start would spell it ("übersicht" → "Übersicht"), and with Turkish i's.
    """
    return functools.reduce(
        operator.or_,
        (
            Q(**{f"{name}__icontains": spelling})
            for name in texts
            for spelling in sorted(spellings(word, language))
        ),
    )


def _turkish_fold(text: Coalesce | F) -> Func:
    """`text` with "I" as "ı" and "İ" as "i" (PostgreSQL's translate()), as turkish_lower does."""
    return Func(text, Value("Iİ"), Value("ıi"), function="translate", output_field=TextField())
