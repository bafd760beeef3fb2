"""Impressum, privacy notice, contact page (texts written in the admin) and the team page."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from bookings.models import Clinician
from common.context_processors import page_in_every_language
from common.rendering import render_markdown
from education.models import InfoPage, InfoPageKind
from education.opening_hours import opening_hours, upcoming_closures
from education.views import _cached_page
from treatments.models import Protocol


def _info_page(kind: str) -> InfoPage:
    page = InfoPage.objects.of_kind(kind)
    if page is None:
        raise Http404("This page has not been written yet.")
    return page


@require_safe
def legal_page(request: HttpRequest, kind: str) -> HttpResponse:
    """Impressum or privacy notice (cached like the guides; the InfoPage admin clears it)."""

    def render_page() -> HttpResponse:
        page = _info_page(kind)
        return render(
            request,
            "education/info_page.html",
            {
                "page": page,
                "body": render_markdown(page.body),
                **page_in_every_language(request.path_info),
            },
        )

    return _cached_page(request, page=f"info:{kind}", render_page=render_page)


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    # Not cached: closures end as time passes, and time off is edited in an admin that does
    # not clear the page cache. The page costs three small queries.
    page = _info_page(InfoPageKind.CONTACT)
    return render(
        request,
        "education/contact.html",
        {
            "page": page,
            "body": render_markdown(page.body),
            "opening_days": opening_hours(),
            "closures": upcoming_closures(now=timezone.now()),
            "after_hours_phone": settings.CLINIC_AFTER_HOURS_PHONE,
            "map_url": settings.CLINIC_MAP_URL,
        },
    )


@require_safe
def team(request: HttpRequest) -> HttpResponse:
    """Who treats patients: each active clinician, their qualifications and their courses."""
    # Not cached: clinicians are edited in the bookings admin. Two queries whatever the size.
    # An account deactivated in the user admin leaves `Clinician.active` as it was: both count.
    clinicians = Clinician.objects.filter(active=True, user__is_active=True).prefetch_related(
        Prefetch(
            "protocols",
            queryset=Protocol.objects.published().order_by("display_order", "slug"),
            to_attr="published_protocols",
        )
    )
    return render(request, "education/team.html", {"clinicians": clinicians})


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on every page whatever the <link rel="icon">."""
    path = finders.find("favicon.svg")
    with open(path, "rb") as icon:
        response = HttpResponse(icon.read(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
