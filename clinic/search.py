"""Site search over translated text columns, in the visitor's language.

PostgreSQL ranks with its full-text search and the language's stemming (so "Narben" finds
"Narbe"); SQLite, used in development, matches every word as a substring instead.
"""

from __future__ import annotations

import functools
import operator
from typing import TypeVar

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import F, Model, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.utils import build_localized_fieldname

QUERY_MAX_LENGTH = 200
QUERY_MAX_WORDS = 8
# PostgreSQL text search configurations that stem and drop stop words for each site language.
SEARCH_CONFIGS = {"en": "english", "de": "german", "tr": "turkish"}
WEIGHTS = ("A", "B", "C", "D")

ModelT = TypeVar("ModelT", bound=Model)


def search_words(query: str) -> list[str]:
    return query[:QUERY_MAX_LENGTH].split()[:QUERY_MAX_WORDS]


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
    # sentence start would spell it ("übersicht" → "Übersicht").
    condition = Q()
    for word in words:
        spellings = {word, word.lower(), word.capitalize()}
        condition &= functools.reduce(
            operator.or_,
            (Q(**{f"{name}__icontains": spelling}) for name in texts for spelling in spellings),
        )
    return queryset.alias(**texts).filter(condition)
