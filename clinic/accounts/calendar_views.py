"""The calendar subscription: the clinician's settings page (`/<lang>/staff/calendar/`, behind
the second factor) and the feed itself (`/calendar/<token>.ics`, read by calendar apps, which
cannot sign in: the unguessable token is the only key)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from clinic.accounts import calendar_feed
from clinic.models import CalendarFeed
from clinical.access import clinician_of, medical_staff_required

NEW_FEED_SESSION_KEY = "calendar_feed_new_url"


@require_http_methods(["GET", "HEAD", "POST"])
@medical_staff_required
def feed_settings(request: HttpRequest) -> HttpResponse:
    clinician = clinician_of(request.user)
    if clinician is None:
        raise Http404  # only clinicians have visits of their own
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "enable":
            token = calendar_feed.calendar_feed_enable(user=request.user)
            request.session[NEW_FEED_SESSION_KEY] = request.build_absolute_uri(
                calendar_feed.calendar_feed_path(token)
            )
            messages.success(
                request,
                _("Your new calendar address is below; any earlier address no longer works."),
            )
        elif action == "revoke":
            calendar_feed.calendar_feed_revoke(user=request.user)
            messages.success(request, _("The calendar subscription is turned off."))
        return redirect("calendar-settings:settings")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(
        request,
        "accounts/calendar_feed.html",
        {
            "feed": feed,
            "new_url": request.session.pop(NEW_FEED_SESSION_KEY, None) if feed else None,
            "clinician": clinician,
            "feed_weeks": settings.CALENDAR_FEED_WEEKS,
        },
    )


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = calendar_feed.calendar_feed_find(token=token)
    if found is None:
        raise Http404
    subscription, clinician = found
    calendar_feed.calendar_feed_fetched(feed=subscription)
    response = HttpResponse(
        calendar_feed.calendar_feed_ics(clinician=clinician),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
