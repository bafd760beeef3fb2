"""The public pages' content cache generation, and the admin mixin that clears it on edits.

Cached education pages show rows of several apps (protocol and indication names, the reviewing
clinician). This module lives in the project package, not in `education`, so the treatments and
bookings admins can clear the cache without importing the education app: app dependencies point
one way (treatments ← bookings ← education; see docs/architecture.md).

Editing any such row starts a new generation, so every cached page is stale at once without
having to know which pages showed the edited row.
"""

from __future__ import annotations

from uuid import uuid4

from django.contrib import admin
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

GENERATION_KEY = "education:content-generation"
# The generation lives this long, then a new one starts by itself. An edit starts one at once, but
# an edit saved while the cache was down (clinic/cache_backend.py) could not: once the cache is
# back, its old generation and the pages cached under it expire within this time, so the edit
# shows within a minute without any state outside the cache. The same bound covers rows changed
# outside the admin (a shell, a data migration). Cost: each page is rendered once a minute.
GENERATION_SECONDS = 60


def content_generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A random value, not a counter from 0: if the cache ever evicts this key, a restarted
        # count could meet pages cached under an earlier generation and serve them again.
        # `add`, not `set`: a visitor must never overwrite a generation an edit has just started.
        cache.add(GENERATION_KEY, uuid4().hex, timeout=GENERATION_SECONDS)
        # None when the cache is unavailable: a one-off generation, so nothing is shared.
        generation = cache.get(GENERATION_KEY) or uuid4().hex
    return generation


def content_cache_clear() -> None:
    """Make every cached content page stale (they are rebuilt on their next visit).

    Never raises: with the cache down nothing is stored and pages come from the database anyway.
    """
    cache.set(GENERATION_KEY, uuid4().hex, timeout=GENERATION_SECONDS)


class ClearsEducationCacheAdmin(admin.ModelAdmin):
    """For every admin whose rows appear on cached education pages: an edit shows at once.

    The cache is cleared after the admin's transaction commits; clearing it earlier would let a
    visitor re-cache the old text in between.
    """

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(content_cache_clear)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        transaction.on_commit(content_cache_clear)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(content_cache_clear)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        transaction.on_commit(content_cache_clear)
