"""Page text is written once per language (title_en, title_de, title_tr…); English is required."""

from modeltranslation.translator import TranslationOptions, register

from education.models import Article, InfoPage


@register(Article)
class ArticleTranslation(TranslationOptions):
    fields = ("title", "summary", "body")
    required_languages = ("en",)


@register(InfoPage)
class InfoPageTranslation(TranslationOptions):
    fields = ("title", "body")
    required_languages = ("en",)
