from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from common.content_cache import ClearsEducationCacheAdmin
from education.models import Article, InfoPage, ProtocolReview, ProtocolSource, Source


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


class ProtocolSourceInline(SourceInline):
    model = ProtocolSource


@admin.register(ProtocolReview)
class ProtocolReviewAdmin(ClearsEducationCacheAdmin):
    list_display = ["protocol", "last_reviewed", "reviewed_by"]
    list_filter = ["reviewed_by"]
    list_select_related = ["protocol", "reviewed_by"]
    search_fields = ["protocol__name", "protocol__slug"]
    autocomplete_fields = ["protocol"]
    date_hierarchy = "last_reviewed"
    inlines = [ProtocolSourceInline]
    fieldsets = [
        (
            None,
            {
                "fields": ["protocol", "reviewed_by", "last_reviewed"],
                "description": _(
                    "Shown on the protocol page with its sources. Change the date only after a "
                    "clinician has re-read the protocol's text in every language."
                ),
            },
        ),
    ]


@admin.register(InfoPage)
class InfoPageAdmin(ClearsEducationCacheAdmin, TranslationAdmin):
    # Impressum and privacy notice are legal duties: the clinic keeps them current here.
    list_display = ["kind", "title", "updated_at"]
    readonly_fields = ["updated_at"]
    fields = ["kind", "title", "body", "updated_at"]
