"""The education pages' cache: every page is cached per language and per content generation.

Editing a page, a protocol or an indication in the admin starts a new generation, so every
cached page is stale at once without having to know which pages showed the edited row.
"""

from __future__ import annotations

import hashlib
from uuid import uuid4

from django.core.cache import cache

GENERATION_KEY = "education:content-generation"
# Edits in the admin clear the cache at once; the timeout only bounds how long rows changed in
# other ways (a shell, a data migration) can stay stale.
PAGE_CACHE_SECONDS = 60 * 60


def content_generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A random value, not a counter from 0: if the cache ever evicts this key, a restarted
        # count could meet pages cached under an earlier generation and serve them again.
        cache.add(GENERATION_KEY, uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def content_cache_clear() -> None:
    """Make every cached education page stale (they are rebuilt on their next visit)."""
    cache.set(GENERATION_KEY, uuid4().hex, timeout=None)


def page_cache_key(*, page: str, language: str, origin: str) -> str:
    """The cache key of one page in one language, as served to one scheme and host.

    The host is part of the key because the page contains absolute URLs (canonical, hreflang,
    Open Graph, JSON-LD).
    """
    digest = hashlib.sha256(f"{origin}|{language}|{page}".encode()).hexdigest()[:32]
    return f"education:page:{content_generation()}:{digest}"
