"""Whole-page caching for the anonymous public pages (home, catalogue, protocol, education).

A page is rendered once per content generation (`common.content_cache`), language, scheme and
host, and then served from the cache without a query. An admin edit of any row shown on these
pages starts a new generation, so the edit shows at once; without an edit a generation lasts
`GENERATION_SECONDS`, which also bounds staleness after a cache outage.

What makes a cached page safe to give to the next visitor:

- **Only anonymous visitors use the cache.** A request carrying a session or messages cookie (staff,
  a patient in the middle of booking) is rendered fresh and never stored, so nobody's name,
  messages or per-visitor state reaches the cache, and they still see their own messages.
- **No CSRF token is ever stored.** A page whose rendering asked for a CSRF token (a POST form)
  is served but not cached: the token belongs to that visitor's cookie.
- **CSP nonces are per response.** Templates write `{% csp_nonce %}`, a placeholder that
  `clinic.middleware.SecurityHeadersMiddleware` replaces in every response, cached or not, with
  that response's nonce (also put in its header). A template that reads `request.csp_nonce`
  directly is covered too: that nonce is turned back into the placeholder before the page is
  stored. A nonce is never reused across responses, and the JSON-LD block keeps working.
- **Query strings are chosen, not stored blindly.** A view declares which parameters change its
  page (the catalogue's filters); a request with any other parameter is rendered without the
  cache, because templates may echo the query string (the language switcher keeps it). Views
  whose pages never reflect the query string (education) declare `query="ignore"`, so a shared
  link with `?utm_source=…` is served from the cache.
- **Language and host are in the key**; only 200 responses to GET and HEAD are stored.

**The fast path** (`PublicPageCacheMiddleware`, issue 22): a page stored for a GET without a query
string is also stored under its path, and the middleware serves it from there before the
session, locale, CSRF, authentication, messages, second-factor and lockout middleware and the
URL resolver run: an anonymous visitor's cached page needs none of them. It sits inside the
middleware that make every response safe (request id and log line, security headers, CSP with
this response's nonce, Permissions-Policy, X-Frame-Options, gzip), so a page served on the fast
path carries the same headers as one served by the view (tests/clinic/test_page_fast_path.py).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Literal

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.http import urlencode
from django.utils.translation import get_language

from common.content_cache import GENERATION_KEY, GENERATION_SECONDS, content_generation
from common.csp import nonce_placeholder

# A page is reachable only while its generation is current, so it need not outlive it.
PAGE_CACHE_SECONDS = GENERATION_SECONDS

QueryRule = Literal["ignore"] | tuple[str, ...]
View = Callable[..., HttpResponse]


def page_cache_key(*, page: str, language: str, origin: str, generation: str) -> str:
    """The cache key of one page in one language, as served to one scheme and host, while
    `generation` is the content generation.

    The host is part of the key because pages contain absolute URLs (canonical, hreflang, Open
    Graph, JSON-LD).
    """
    digest = hashlib.sha256(f"{origin}|{language}|{page}".encode()).hexdigest()[:32]
    return f"page:{generation}:{digest}"


def _is_anonymous_visit(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # Set by django.middleware.csrf.get_token(): the page holds this visitor's CSRF token.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.has_header("Set-Cookie")
    )


def _without_nonce(request: HttpRequest, content: bytes) -> bytes:
    # django-csp creates the nonce lazily and keeps it in request._csp_nonce once used.
    nonce = getattr(request, "_csp_nonce", None)
    if isinstance(nonce, str) and nonce:
        return content.replace(nonce.encode(), nonce_placeholder())
    return content


def _language_of(path_info: str) -> str | None:
    """The language code a path starts with (/de/…), as i18n_patterns put it there."""
    code = path_info[1:].partition("/")[0]
    return code if code in _language_codes() else None


@functools.cache
def _language_codes() -> frozenset[str]:
    return frozenset(code for code, _name in settings.LANGUAGES)


def _fast_path_key(request: HttpRequest, language: str) -> str:
    """Without the generation: the entry holds it, so one round trip reads both (see below)."""
    origin = f"{request.scheme}://{request.get_host()}"
    digest = hashlib.sha256(f"{origin}|{language}|{request.path}".encode()).hexdigest()[:32]
    return f"fastpage:{digest}"


def _fast_path_eligible(request: HttpRequest) -> bool:
    """A GET without a query string, of a page whose language is its path's prefix."""
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and _language_of(request.path_info) == get_language()
    )


def _cached_page_response(content: bytes, content_type: str, language: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # What the full stack adds to a cached page: its language (LocaleMiddleware) and, because
    # the staff checks read the session, Vary: Cookie (SessionMiddleware), so a shared cache
    # never hands a signed-in member of staff the anonymous copy or the other way round.
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Cookie"
    response.headers["Content-Length"] = str(len(content))  # as CommonMiddleware sets it
    return response


def cached_response(
    request: HttpRequest, *, page: str, render_page: Callable[[], HttpResponse]
) -> HttpResponse:
    """Serve `page` from the cache (no queries), or render it and cache it when that is safe."""
    if not _is_anonymous_visit(request):
        return render_page()
    # Read once, before the page is rendered: both entries below are stamped with the
    # generation the rows were read under. An edit that commits while the page renders starts a
    # new generation, and an entry stamped with it would serve the old rows as current.
    generation = content_generation()
    key = page_cache_key(
        page=page,
        language=get_language(),
        origin=f"{request.scheme}://{request.get_host()}",
        generation=generation,
    )
    stored = cache.get(key)
    if stored is None:
        response = render_page()
        if not _storable(request, response):
            return response
        stored = (_without_nonce(request, response.content), response["Content-Type"])
        cache.set(key, stored, PAGE_CACHE_SECONDS)
    else:
        response = HttpResponse(stored[0], content_type=stored[1])
    if _fast_path_eligible(request):
        # The next visit of this URL is answered by PublicPageCacheMiddleware.
        entry = (generation, *stored)
        cache.set(_fast_path_key(request, get_language()), entry, PAGE_CACHE_SECONDS)
    return response


class PublicPageCacheMiddleware:
    """Serve an anonymous visitor's cached public page before the heavy middleware runs.

    See "The fast path" in the module docstring. The entry carries the content generation it
    was stored under, and one round trip to the cache reads it with the current generation: an
    entry of an older generation (an edit since) is not served. Anything but a plain anonymous
    GET of a language-prefixed path is passed on untouched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "GET"
            and not request.META.get("QUERY_STRING")
            and _is_anonymous_visit(request)
        ):
            language = _language_of(request.path_info)
            if language is not None:
                key = _fast_path_key(request, language)
                found = cache.get_many([GENERATION_KEY, key])
                entry = found.get(key)
                if entry is not None and entry[0] == found.get(GENERATION_KEY):
                    _generation, content, content_type = entry
                    return _cached_page_response(content, content_type, language)
        return self.get_response(request)


def cached_public_page(*, query: QueryRule = ()) -> Callable[[View], View]:
    """Cache a public view's page whole (see the module docstring for what makes that safe).

    `query`: "ignore" when the page never reflects the query string; otherwise the names of the
    parameters that select the page (their values become part of the key); a request with any
    other parameter is rendered without the cache.
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            def render_page() -> HttpResponse:
                return view(request, *args, **kwargs)

            if query == "ignore":
                selected = ""
            elif set(request.GET) - set(query):
                return render_page()
            else:
                selected = urlencode(
                    [
                        (name, value)
                        for name in sorted(request.GET)
                        for value in request.GET.getlist(name)
                    ]
                )
            return cached_response(
                request, page=f"{request.path}?{selected}", render_page=render_page
            )

        return wrapper

    return decorator
