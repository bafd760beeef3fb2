"""The public pages' content cache generation, and the admin mixin that clears it on edits.

Cached education pages show rows of several apps (protocol and indication names, the reviewing
clinician). This module lives in the project package, not in `education`, so the treatments and
bookings admins can clear the cache without importing the education app: app dependencies point
one way (treatments ← bookings ← education; see docs/architecture.md).

Editing any such row starts a new generation, so every cached page is stale at once without
having to know which pages showed the edited row.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from common.generations import CONTENT

# The generation itself lives in common.generations (the booking flow and the staff accounts read
# through generations too); these names are the public pages' view of it.
GENERATION_KEY = CONTENT.key
GENERATION_SECONDS = CONTENT.seconds
content_generation = CONTENT.current
# Make every cached content page stale (they are rebuilt on their next visit). Never raises.
content_cache_clear = CONTENT.renew


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
