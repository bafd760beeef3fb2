import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse, translate_url
from django.utils.translation import get_language

# Open Graph wants a language_TERRITORY locale; these are the clinic's audiences.
OG_LOCALES = {"en": "en_GB", "de": "de_DE", "tr": "tr_TR"}

# The default picture when a page is shared; 1200×630 is what the large link previews expect.
SHARE_IMAGE = {"path": "img/share-default.png", "width": 1200, "height": 630}


# Longer paths are computed every time rather than kept (see page_in_every_language).
_REMEMBERED_PATH_LENGTH = 200


def page_in_every_language(path: str) -> dict[str, object]:
    """This page in every language, for the language switcher and the hreflang links.

    A query string in `path` is kept, so a filtered catalogue stays filtered in another language.
    Cached pages pass `request.path` instead: one visitor's ?utm_source=… must not be stored in
    the page every later visitor gets.
    """
    # translate_url resolves and reverses the path once per language (about half a millisecond
    # a page, issue 22); the answer depends only on the path, the URLconf and the active
    # language (which decides how the prefixed path resolves), so it is remembered per process.
    # Remembered per path alone: a query string (?utm_source=…, or made up by anyone) is only
    # appended, so it cannot fill the cache with copies of itself.
    # Nor can a long made-up path (/en/manage/<anything>/ renders a page): those are not kept.
    # `path` is as the URLconf sees it (request.path_info): resolve() knows no script prefix,
    # and reverse() adds it, so the answer also depends on the prefix.
    path, separator, query = path.partition("?")
    key = (path, get_language(), get_script_prefix())
    if len(path) <= _REMEMBERED_PATH_LENGTH:
        found = _alternates(*key)
    else:
        found = _alternates.__wrapped__(*key)
    if not separator:
        return found
    suffix = f"?{query}"
    return {
        "language_alternates": tuple(
            {**alternate, "url": f"{alternate['url']}{suffix}"}
            for alternate in found["language_alternates"]
        ),
        "x_default_url": f"{found['x_default_url']}{suffix}",
    }


@functools.lru_cache(maxsize=4096)
def _alternates(path: str, active_language: str, script_prefix: str) -> dict[str, object]:
    def in_language(code: str) -> str:
        # translate_url reverses (with the script prefix), or gives back a path that does not
        # resolve as it was (without it).
        translated = translate_url(path, code)
        return translated if translated != path else f"{script_prefix.rstrip('/')}{path}"

    return {
        "language_alternates": tuple(
            {"code": code, "name": name, "url": in_language(code)}
            for code, name in settings.LANGUAGES
        ),
        # Like the sitemap's x-default: the unprefixed address, which redirects each visitor to
        # the language their browser asks for.
        "x_default_url": in_language(settings.LANGUAGE_CODE).replace(
            f"{script_prefix}{settings.LANGUAGE_CODE}/", script_prefix, 1
        ),
    }


# The layout's fixed links (templates/base.html): reversing them on every page cost about a
# fifth of a millisecond (issue 22). They depend on the language and the script prefix only.
LAYOUT_URLS = {
    "home": "home",
    "treatments": "treatments:protocol-list",
    "learn": "education:article-list",
    "search": "education:search",
    "contact": "education:contact",
    "impressum": "education:impressum",
    "privacy": "education:privacy",
}


# And its static files: `{% static %}` looks each one up in the manifest, on every page.
LAYOUT_STATIC = {
    "bootstrap_css": "vendor/bootstrap/bootstrap.min.css",
    "site_css": "css/site.css",
    "favicon": "favicon.svg",
    "share_image": SHARE_IMAGE["path"],
}


@functools.lru_cache(maxsize=64)
def _layout_urls(language: str, script_prefix: str) -> dict[str, str]:
    return {
        **{name: reverse(view) for name, view in LAYOUT_URLS.items()},
        **{name: static(path) for name, path in LAYOUT_STATIC.items()},
    }


def layout_memos_clear() -> None:
    _alternates.cache_clear()
    _layout_urls.cache_clear()
    for clear in _MEMO_CLEARERS:
        clear()


# Other per-process memos of the layout (common/templatetags/layout.py) register here.
_MEMO_CLEARERS: list = []


@receiver(setting_changed)
def _forget_alternates(*, setting: str, **kwargs: object) -> None:
    # Tests that change what the memos were built from.
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "ROOT_URLCONF", "STATIC_URL", "STORAGES") or (
        setting.startswith("CLINIC_")
    ):
        layout_memos_clear()


def clinic_details() -> dict[str, str]:
    return {
        "name": settings.CLINIC_NAME,
        "phone": settings.CLINIC_PHONE,
        "email": settings.CLINIC_EMAIL,
        "address": settings.CLINIC_ADDRESS,
    }


def clinic(request: HttpRequest) -> dict[str, object]:
    """Contact details for the footer, this page in every language, and sharing defaults."""
    language = get_language()
    layout_urls = _layout_urls(language, get_script_prefix())
    return {
        "clinic": clinic_details(),
        "currency": settings.CLINIC_CURRENCY,
        "layout_urls": layout_urls,
        **page_in_every_language(request.get_full_path_info()),
        "og_locale": OG_LOCALES.get(language, language),
        "og_locale_alternates": [
            OG_LOCALES.get(code, code) for code, _name in settings.LANGUAGES if code != language
        ],
        # Absolute, as Open Graph requires; build_absolute_uri keeps a CDN's STATIC_URL as it is.
        "share_image": {
            **SHARE_IMAGE,
            "url": request.build_absolute_uri(layout_urls["share_image"]),
        },
    }
