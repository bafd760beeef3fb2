"""Which fields are written once per language (django-modeltranslation adds name_en, name_de…)."""

from modeltranslation.translator import TranslationOptions, register

from treatments.models import Indication, Protocol


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
        "product_legal_status",
    )
    required_languages = ("en",)
