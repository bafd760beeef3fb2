from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

# Open Graph wants a language_TERRITORY locale; these are the clinic's audiences.
OG_LOCALES = {"en": "en_GB", "de": "de_DE", "tr": "tr_TR"}


def clinic(request: HttpRequest) -> dict[str, object]:
    """Contact details for the footer, and this page in every language (switcher, hreflang)."""
    path = request.get_full_path()
    language = get_language()
    return {
        "clinic": {
            "name": settings.CLINIC_NAME,
            "phone": settings.CLINIC_PHONE,
            "email": settings.CLINIC_EMAIL,
            "address": settings.CLINIC_ADDRESS,
        },
        "currency": settings.CLINIC_CURRENCY,
        "language_alternates": [
            {"code": code, "name": name, "url": translate_url(path, code)}
            for code, name in settings.LANGUAGES
        ],
        # Like the sitemap's x-default: the unprefixed address, which redirects each visitor to
        # the language their browser asks for.
        "x_default_url": translate_url(path, settings.LANGUAGE_CODE).replace(
            f"/{settings.LANGUAGE_CODE}/", "/", 1
        ),
        "og_locale": OG_LOCALES.get(language, language),
        "og_locale_alternates": [
            OG_LOCALES.get(code, code) for code, _name in settings.LANGUAGES if code != language
        ],
    }
