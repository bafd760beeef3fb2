from django.contrib import admin
from django.db import models, transaction
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from education.models import Article, Source
from education.services import content_cache_clear


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
