from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url


def clinic(request: HttpRequest) -> dict[str, object]:
    """Contact details for the footer, and this page in every language (switcher, hreflang)."""
    path = request.get_full_path()
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
    }
