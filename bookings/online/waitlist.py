"""The patient's waitlist pages: join from the times page, confirm, leave, claim an offer,
and ask for an earlier start of a booked course from the manage page (docs/waitlist.md)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.engine.errors import BookingError
from bookings.engine.placing import ConsentEvidence, consent_text_current, screening_blocks_booking
from bookings.engine.rules import BookingRules, local_date
from bookings.engine.screening import flagged, screening_questions, screening_snapshot
from bookings.engine.tokens import manage_link_find
from bookings.engine.waitlist import (
    offer_claim,
    offer_for_claim_token,
    offer_is_claimable,
    waitlist_entry_for_leave_token,
    waitlist_join,
    waitlist_join_for_plan,
    waitlist_leave,
    waitlist_patient,
    waitlist_verify,
)
from bookings.models import Clinician, ConsentText, OfferStatus, PlanStatus, TimeOfDay
from bookings.notify.booking_emails import plan_notify_booked
from bookings.online.forms import ConfirmForm, ScreeningForm
from common.rendering import render_markdown
from common.robots import noindex
from treatments.models import Protocol


class WaitlistWindowForm(forms.Form):
    earliest = forms.DateField(
        label=gettext_lazy("First visit no earlier than"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    latest = forms.DateField(
        label=gettext_lazy("First visit no later than"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        earliest, latest = data.get("earliest"), data.get("latest")
        today = local_date(timezone.now())
        if latest and latest < today:
            self.add_error("latest", _("Please choose a day from today on."))
        if earliest and latest and earliest > latest:
            self.add_error("latest", _("The latest day must not be before the earliest."))
        if latest and latest > today + timedelta(days=BookingRules.from_settings().horizon_days):
            self.add_error("latest", _("We do not book that far ahead."))
        return data


class WaitlistJoinForm(WaitlistWindowForm):
    clinician = forms.ModelChoiceField(
        label=gettext_lazy("Clinician"),
        queryset=Clinician.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any clinician"),
    )
    time_of_day = forms.ChoiceField(
        label=gettext_lazy("Time of day"), choices=TimeOfDay.choices, initial=TimeOfDay.ANY
    )
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=160)
    email = forms.EmailField(label=gettext_lazy("Email"))
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, protocol: Protocol, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = Clinician.objects.filter(
            active=True, protocols=protocol
        ).order_by("display_name")


def _protocol(slug: str) -> Protocol:
    return get_object_or_404(Protocol.objects.published(), slug=slug)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_join_view(request: HttpRequest, slug: str) -> HttpResponse:
    protocol = _protocol(slug)
    form = WaitlistJoinForm(request.POST or None, protocol=protocol)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        patient = waitlist_patient(
            full_name=data["full_name"],
            email=data["email"],
            date_of_birth=data["date_of_birth"],
            language=get_language(),
        )
        waitlist_join(
            patient=patient,
            protocol=protocol,
            earliest=data["earliest"],
            latest=data["latest"],
            clinician=data["clinician"],
            time_of_day=data["time_of_day"],
        )
        # The same page whoever the address belongs to: it says nothing about a record.
        return render(request, "bookings/waitlist/check_email.html", {"protocol": protocol})
    return render(request, "bookings/waitlist/join.html", {"protocol": protocol, "form": form})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_verify_view(request: HttpRequest, token: str) -> HttpResponse:
    # A GET only shows the button: mail scanners open links, and must not confirm for anyone.
    if request.method == "POST":
        entry = waitlist_verify(token=token)
        if entry is None:
            return render(request, "bookings/waitlist/invalid.html", status=404)
        return render(request, "bookings/waitlist/verified.html", {"entry": entry})
    return render(request, "bookings/waitlist/verify.html", {})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_leave_view(request: HttpRequest, token: str) -> HttpResponse:
    entry = waitlist_entry_for_leave_token(token)
    if entry is None:
        return render(request, "bookings/waitlist/invalid.html", status=404)
    if request.method == "POST":
        waitlist_leave(token=token)
        return render(request, "bookings/waitlist/left.html", {"entry": entry})
    return render(request, "bookings/waitlist/leave.html", {"entry": entry})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_claim_view(request: HttpRequest, token: str) -> HttpResponse:
    offer = offer_for_claim_token(token)
    if offer is None:
        return render(request, "bookings/waitlist/invalid.html", status=404)
    now = timezone.now()
    protocol = offer.entry.protocol
    if offer.status == OfferStatus.CLAIMED:
        return render(request, "bookings/waitlist/claimed.html", {"offer": offer})
    if not offer_is_claimable(offer, now):
        return render(request, "bookings/waitlist/gone.html", {"offer": offer}, status=410)
    questions = screening_questions(protocol)
    consent = consent_text_current(protocol, get_language())
    if consent is None:
        raise Http404("No consent text is published.")
    screening = ScreeningForm(request.POST or None, questions=questions, prefix="s")
    confirm = ConfirmForm(
        request.POST or None, consent_text=consent, shown=request.session.get("waitlist_consent")
    )
    if request.method == "POST" and screening.is_valid() and confirm.is_valid():
        snapshot = screening_snapshot(questions, screening.answers())
        if screening_blocks_booking(snapshot):
            return render(
                request,
                "bookings/blocked.html",
                {"protocol": protocol, "reasons": flagged(snapshot)},
            )
        shown = confirm.cleaned_data["consent_text"]
        accepted = consent if shown == consent.pk else ConsentText.objects.get(pk=shown)
        base_url = request.build_absolute_uri("/").rstrip("/")
        try:
            plan = offer_claim(
                offer=offer,
                answers=snapshot,
                consent=ConsentEvidence(text=accepted),
                after_commit=lambda placed: plan_notify_booked(plan=placed, base_url=base_url),
            )
        except BookingError as error:
            # Another patient was quicker, or the hold ran out: said plainly; the entry stays.
            return render(
                request,
                "bookings/waitlist/gone.html",
                {"offer": offer, "reason": error.message},
                status=409,
            )
        return render(
            request,
            "bookings/waitlist/claimed.html",
            {"offer": offer, "plan": plan, "awaiting": plan.status == PlanStatus.AWAITING_REVIEW},
        )
    request.session["waitlist_consent"] = consent.pk
    visits = list(offer.plan.appointments.active().select_related("clinician").order_by("start"))
    return render(
        request,
        "bookings/waitlist/claim.html",
        {
            "offer": offer,
            "protocol": protocol,
            "visits": visits,
            "screening": screening,
            "confirm": confirm,
            "consent": consent,
            "consent_html": render_markdown(consent.body).html,
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_earlier_view(request: HttpRequest, token: str) -> HttpResponse:
    """From the manage page: "I'd take an earlier start for my whole course"."""
    link = manage_link_find(token)
    if link is None or link.plan.status not in (PlanStatus.CONFIRMED, PlanStatus.AWAITING_REVIEW):
        return render(request, "bookings/waitlist/invalid.html", status=404)
    form = WaitlistWindowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        waitlist_join_for_plan(
            plan=link.plan,
            earliest=form.cleaned_data["earliest"],
            latest=form.cleaned_data["latest"],
        )
        messages.success(
            request,
            _("You are on the waitlist. We will email you if an earlier course frees up."),
        )
        return redirect("bookings:manage", token=token)
    return render(
        request, "bookings/waitlist/earlier.html", {"form": form, "plan": link.plan, "token": token}
    )


urlpatterns = [
    path("waitlist/join/<slug:slug>/", noindex(waitlist_join_view), name="waitlist-join"),
    path("waitlist/confirm/<str:token>/", noindex(waitlist_verify_view), name="waitlist-verify"),
    path("waitlist/leave/<str:token>/", noindex(waitlist_leave_view), name="waitlist-leave"),
    path("waitlist/offer/<str:token>/", noindex(waitlist_claim_view), name="waitlist-claim"),
    path("manage/<str:token>/earlier/", noindex(waitlist_earlier_view), name="waitlist-earlier"),
]
