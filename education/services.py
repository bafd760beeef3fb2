"""The education pages' cache: every page is cached per language and per content generation.

Editing a page, a protocol or an indication in the admin starts a new generation, so every
cached page is stale at once without having to know which pages showed the edited row.
"""

from __future__ import annotations

import hashlib

from clinic.content_cache import content_generation

# Edits in the admin clear the cache at once; the timeout only bounds how long rows changed in
# other ways (a shell, a data migration) can stay stale.
PAGE_CACHE_SECONDS = 60 * 60


def page_cache_key(*, page: str, language: str, origin: str) -> str:
    """The cache key of one page in one language, as served to one scheme and host.

    The host is part of the key because the page contains absolute URLs (canonical, hreflang,
    Open Graph, JSON-LD).
    """
    digest = hashlib.sha256(f"{origin}|{language}|{page}".encode()).hexdigest()[:32]
    return f"education:page:{content_generation()}:{digest}"
