"""The public pages of a consultation (issue 18): book one, and open a recommendation.

Booked in one page: free times, what the patient would like to discuss, their details. The
placement goes through `booking_place(kind=CONSULTATION)` like every booking; the confirmation
email (with the .ics and the manage link) is sent after the commit.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from django.conf import settings as django_settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from bookings.engine.availability import Opening
from bookings.engine.consultation import (
    consultation_openings,
    consultation_settings,
    recommendation_find,
    recommendation_link_plan,
)
from bookings.engine.errors import BookingError
from bookings.engine.patients import PatientDetails
from bookings.engine.placing import Channel, booking_place, proposal_new_id
from bookings.engine.rules import local_date
from bookings.models import Clinician, Plan, PlanKind, Recommendation
from bookings.notify.consultation_emails import consultation_notify_booked
from bookings.online import ratelimit
from bookings.online.consultation_forms import ConsultationForm, opening_value
from treatments.models import Protocol

# Free times shown: the next two weeks, so the page stays short; a patient who needs a later
# day can call.
DAYS_SHOWN = 14
DONE_KEY = "consultation_done"
# The recommendation a booking flow was opened from (online.views reads it when placing).
RECOMMENDATION_KEY = "booking_recommendation"


def _days(now: datetime) -> list[tuple[date, list[Opening]]]:
    first = local_date(now)
    found = consultation_openings(first_day=first, last_day=first + timedelta(days=DAYS_SHOWN))
    # One row per start time: the patient chooses a time; the first free clinician takes it.
    days = []
    for day, openings in found.items():
        seen: dict[datetime, Opening] = {}
        for opening in openings:
            seen.setdefault(opening.start, opening)
        days.append((day, list(seen.values())))
    return days


# A course slug as the catalogue makes them; anything else in the address is ignored.
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def consultation_book(request: HttpRequest) -> HttpResponse:
    settings = consultation_settings()
    if settings is None:
        # The home and protocol pages (cached) link here whatever the settings: say it kindly.
        return render(request, "bookings/consultation/book.html", {"settings": None})
    slug = request.GET.get("protocol") or request.POST.get("protocol") or ""
    # From the address: only a slug is looked up (a NUL character would be a database error).
    protocol = (
        Protocol.objects.published().filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    )
    now = timezone.now()
    days = _days(now)
    openings = [opening for _day, day_openings in days for opening in day_openings]
    form = ConsultationForm(request.POST or None, openings=openings)
    proposal = request.POST.get("proposal") or proposal_new_id()
    if request.method == "POST" and form.is_valid():
        if ratelimit.rate_limit_exceeded(request, ratelimit.HOLD):
            messages.error(
                request,
                _(
                    "Too many attempts from your connection in a short time. Please wait a few "
                    "minutes and try again, or call us."
                ),
            )
        else:
            data = form.cleaned_data
            base_url = request.build_absolute_uri("/").rstrip("/")
            try:
                plan = booking_place(
                    channel=Channel.ONLINE,
                    kind=PlanKind.CONSULTATION,
                    protocol=protocol,
                    visits=[form.visit()],
                    proposal_id=proposal,
                    answers=[],
                    details=PatientDetails(
                        full_name=data["full_name"],
                        email=data["email"],
                        phone=data["phone"],
                        date_of_birth=data["date_of_birth"],
                        preferred_language=data["preferred_language"],
                    ),
                    topics=data["topics"],
                    message=data["message"],
                    after_commit=lambda placed: consultation_notify_booked(
                        plan=placed, base_url=base_url
                    ),
                )
            except BookingError as error:
                # Shown beside the times, with everything the patient typed still in the form.
                form.add_error("slot", error.message)
            else:
                request.session[DONE_KEY] = plan.pk
                return redirect("bookings:consultation-done")
    return render(
        request,
        "bookings/consultation/book.html",
        {
            "settings": settings,
            "protocol": protocol,
            "days": [
                (day, [(opening_value(o), o) for o in day_openings]) for day, day_openings in days
            ],
            "form": form,
            "proposal": proposal,
            "currency": django_settings.CLINIC_CURRENCY,
            "chosen": form.data.get("slot", "") if form.is_bound else "",
        },
    )


@never_cache
@require_safe
def consultation_done(request: HttpRequest) -> HttpResponse:
    plan_id = request.session.get(DONE_KEY)
    plan = (
        Plan.objects.filter(pk=plan_id, kind=PlanKind.CONSULTATION)
        .select_related("patient", "protocol")
        .prefetch_related("appointments__clinician")
        .first()
        if plan_id
        else None
    )
    if plan is None:
        raise Http404
    return render(
        request,
        "bookings/consultation/done.html",
        {"plan": plan, "visit": plan.appointments.all()[0], "settings": consultation_settings()},
    )


@never_cache
@require_safe
def recommended(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the recommendation email: the booking of that protocol, screening first,
    with the recommended clinician and earliest start applied."""
    recommendation = recommendation_find(token)
    if recommendation is None or not recommendation.protocol.published:
        raise Http404
    clinician = recommendation.clinician
    if clinician is not None and not (
        clinician.active and clinician.protocols.filter(pk=recommendation.protocol_id).exists()
    ):
        clinician = None
    request.session[RECOMMENDATION_KEY] = {
        "id": recommendation.pk,
        "protocol": recommendation.protocol_id,
        "patient": recommendation.consultation.patient_id,
        "clinician": clinician.pk if isinstance(clinician, Clinician) else None,
        "earliest": recommendation.earliest_start.isoformat()
        if recommendation.earliest_start
        else None,
    }
    return redirect("bookings:start", slug=recommendation.protocol.slug)


# --- the recommendation, applied to the course booking (online.views calls these) -------------


def recommendation_apply(request: HttpRequest, flow: dict, protocol: Protocol) -> dict | None:
    """Before the first proposal of a flow opened from a recommendation link: the recommended
    clinician and earliest start become the search. Returns the recommendation shown, if any."""
    opened = request.session.get(RECOMMENDATION_KEY)
    if not opened or opened.get("protocol") != protocol.pk:
        return None
    if "search" not in flow:
        earliest = opened.get("earliest")
        today = local_date(timezone.now()).isoformat()
        flow["search"] = {
            "clinician": opened.get("clinician"),
            "earliest": earliest if earliest and earliest > today else None,
        }
    return opened


def recommendation_link_booked(request: HttpRequest, plan: Plan) -> None:
    """A course booked in a flow opened from a recommendation link is linked to it (only the
    recommended protocol, and only for the patient the recommendation was for)."""
    opened = request.session.pop(RECOMMENDATION_KEY, None)
    if not opened:
        return
    recommendation = (
        Recommendation.objects.filter(pk=opened["id"]).select_related("consultation").first()
    )
    if recommendation is not None:
        recommendation_link_plan(recommendation=recommendation, plan=plan)
