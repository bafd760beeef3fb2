"""Which fields are written once per language (django-modeltranslation adds name_en, name_de…)."""

from modeltranslation.translator import TranslationOptions, register

from treatments.models import Indication, Product, Protocol


@register(Indication)
class IndicationTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)


@register(Protocol)
class ProtocolTranslation(TranslationOptions):
    fields = (
        "name",
        "summary",
        "description",
        "what_to_expect",
        "aftercare",
        "how_to_prepare",
        "results_timing",
    )
    required_languages = ("en",)


@register(Product)
class ProductTranslation(TranslationOptions):
    fields = ("donor_tissue", "regulatory_status")
    required_languages = ("en",)
