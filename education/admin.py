from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from clinic.content_cache import ClearsEducationCacheAdmin
from education.models import Article, Source


class SourceInline(admin.TabularInline):
    model = Source
    extra = 1
    fields = ["order", "title", "publisher", "year", "url"]
    # A link typed without a scheme ("doi.org/…") is read as https, as journals and agencies serve.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Article)
class ArticleAdmin(ClearsEducationCacheAdmin, TranslationAdmin):
    list_display = ["title", "published", "last_reviewed", "reviewed_by", "order"]
    list_filter = ["published", "reviewed_by"]
    list_editable = ["published", "order"]
    list_select_related = ["reviewed_by"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title_en"]}
    autocomplete_fields = ["related_protocols", "related_indications"]
    date_hierarchy = "last_reviewed"
    inlines = [SourceInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        (
            _("Medical review"),
            {
                "fields": ["reviewed_by", "last_reviewed"],
                "description": _(
                    "Change the date only after a clinician has re-read the page in every "
                    "language: it is shown to patients and to search engines."
                ),
            },
        ),
        (_("Publishing"), {"fields": ["published", "order"]}),
        (_("Related"), {"fields": ["related_protocols", "related_indications"]}),
    ]
