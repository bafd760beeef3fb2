from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from common.content_cache import ClearsEducationCacheAdmin
from treatments.models import Indication, Protocol


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
                "fields": ["product_name", "product_maker", "product_legal_status"],
                "description": _(
                    "Shown on the protocol page as you enter it: the exosome product applied, "
                    "who makes it, and its legal status."
                ),
            },
        ),
    ]

    @admin.display(description=_("days between sessions"))
    def interval(self, protocol: Protocol) -> str:
        return f"{protocol.min_interval_days}–{protocol.max_interval_days}"
