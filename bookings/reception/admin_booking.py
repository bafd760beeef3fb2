"""Admin for what the online booking asks and shows: screening questions and consent texts.

Imported at the end of `bookings/admin.py`.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from bookings.models import ConsentText, ScreeningQuestion
from common.content_cache import ClearsEducationCacheAdmin


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(ClearsEducationCacheAdmin, TranslationAdmin):
    # The protocol page (cached whole) lists the questions asked before booking.
    list_display = ["text", "yes_outcome", "source", "procedure", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["yes_outcome", "source", "procedure", "active"]
    search_fields = ["text", "explanation"]
    fieldsets = [
        (None, {"fields": ["text", "explanation"]}),
        (
            _("When it is asked and what a yes means"),
            {"fields": ["source", "procedure", "yes_outcome", "position", "active"]},
        ),
    ]


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """A text patients have accepted is read-only: publish a new version instead ("Save as new")."""

    list_display = ["title", "language", "procedure", "source", "version", "published_at"]
    list_filter = ["language", "procedure", "source"]
    search_fields = ["title", "body"]
    save_as = True
    ordering = ["language", "procedure", "source", "-version"]

    def has_change_permission(self, request: HttpRequest, obj: ConsentText | None = None) -> bool:
        if obj is not None and obj.plans.exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ConsentText | None = None) -> bool:
        if obj is not None and obj.plans.exists():
            return False
        return super().has_delete_permission(request, obj)
