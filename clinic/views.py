import logging
import sys
from uuid import uuid4

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from clinic.logging import DATABASE_UNAVAILABLE
from common.page_cache import cached_public_page
from education.models import Article
from treatments.models import Protocol

HOME_LEARN_PAGES = 4


@require_safe
@cached_public_page()
def home(request: HttpRequest) -> HttpResponse:
    featured = Protocol.objects.published().for_listing()[:3]
    learn_pages = Article.objects.published()[:HOME_LEARN_PAGES]
    return render(
        request, "home.html", {"featured_protocols": featured, "learn_pages": learn_pages}
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Search pages are not disallowed: they carry <meta name="robots" content="noindex, follow">,
    # which a crawler only sees if it may fetch them.
    return render(
        request,
        "robots.txt",
        {"sitemap_url": request.build_absolute_uri(reverse("sitemap"))},
        content_type="text/plain",
    )


# --- Error pages ----------------------------------------------------------------------------------
# Rendered without a request context: no session, user, messages or query may run here, because
# the error may be that the database is gone. Only settings and the visitor's language are used.

# How long a client should wait before retrying while the database is unreachable.
DATABASE_RETRY_AFTER_SECONDS = 30

_LAST_RESORT = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Error</title></head><body>"
    "<h1>Something went wrong</h1><p>Please try again in a minute, or call the clinic.</p>"
    "</body></html>"
)


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    language = translation.get_language_from_request(request, check_path=True)
    with translation.override(language):
        context = {
            "clinic": {
                "name": settings.CLINIC_NAME,
                "phone": settings.CLINIC_PHONE,
                "email": settings.CLINIC_EMAIL,
            },
            "LANGUAGE_CODE": language,
            "home_url": f"/{language}/",
        }
        try:
            html = render_to_string(template, context)
        except Exception:  # an error page must never fail in turn
            logging.getLogger("clinic.errors").exception("error page %s failed", template)
            html = _LAST_RESORT
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, "403.html", 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(request, "403_csrf.html", 403)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    response = _error_page(request, "503.html", 503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # Called inside Django's exception handling; a database that went away while loading the
    # session or the user (before any view ran) still deserves the 503, not the 500.
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    return _error_page(request, "500.html", 500)


# --- Health checks for a load balancer ------------------------------------------------------------
# Neither answer names a host, a version or an error text: they are reachable without signing in.


@require_safe
@never_cache
def livez(request: HttpRequest) -> HttpResponse:
    """The process answers (no database, no cache): liveness, and the load test's ceiling."""
    return HttpResponse("ok", content_type="text/plain")


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unavailable"
    return "ok"


def _cache_status() -> str:
    backend = caches["default"]
    if isinstance(backend, LocMemCache):
        return "local"  # one per process: fine for development, refused by `check --deploy`
    ping = getattr(backend, "ping", None)
    if ping is not None:
        return "ok" if ping() else "unavailable"
    key = f"healthz:{uuid4().hex}"
    backend.set(key, "ok", 10)
    healthy = backend.get(key) == "ok"
    backend.delete(key)
    return "ok" if healthy else "unavailable"


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 while the database answers, 503 when it does not.

    A cache outage gives 200 with "degraded": pages are still served from the database
    (clinic/cache_backend.py), and taking every server out of the pool because the shared cache
    is away would turn a slowdown into an outage.
    """
    database = _database_status()
    cache_state = _cache_status()
    if database != "ok":
        status = "unavailable"
    elif cache_state == "unavailable":
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {"status": status, "database": database, "cache": cache_state},
        status=503 if database != "ok" else 200,
    )
