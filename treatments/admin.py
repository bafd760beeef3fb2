from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from common.content_cache import ClearsEducationCacheAdmin
from treatments.models import Indication, Product, Protocol


@admin.register(Indication)
class IndicationAdmin(ClearsEducationCacheAdmin, TranslationAdmin):
    # Indication names appear on cached education pages.
    list_display = ["name", "slug", "display_order"]
    list_editable = ["display_order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Protocol)
class ProtocolAdmin(ClearsEducationCacheAdmin, TranslationAdmin):
    # Protocol names appear on cached education pages ("Treatments this page is about").
    list_display = [
        "name",
        "source",
        "procedure",
        "session_count",
        "interval",
        "price",
        "published",
        "display_order",
    ]
    list_filter = ["published", "source", "procedure", "indications"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]
    list_editable = ["published", "display_order"]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ["name_en"]}
    filter_horizontal = ["indications"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "source",
                    "indications",
                    "procedure",
                    "published",
                    "display_order",
                ]
            },
        ),
        (
            _("Course"),
            {
                "fields": [
                    "session_count",
                    "min_interval_days",
                    "max_interval_days",
                    "session_minutes",
                    "preparation_minutes",
                    "lab_lead_days",
                    "price",
                ]
            },
        ),
        (
            _("Patient information"),
            {"fields": ["summary", "description", "what_to_expect", "aftercare"]},
        ),
        (
            _("Product"),
            {
                "fields": ["product"],
                "description": _(
                    "Shown on the protocol page: the exosome product applied, who makes it, its "
                    "source and regulatory status. A ready-made course needs one to be published."
                ),
            },
        ),
    ]

    @admin.display(description=_("days between sessions"))
    def interval(self, protocol: Protocol) -> str:
        return f"{protocol.min_interval_days}–{protocol.max_interval_days}"


@admin.register(Product)
class ProductAdmin(ClearsEducationCacheAdmin, TranslationAdmin):
    # Product facts appear on cached protocol pages.
    list_display = ["name", "maker", "source", "supplier", "is_demo"]
    list_filter = ["source", "is_demo"]
    search_fields = ["name", "maker", "supplier"]
