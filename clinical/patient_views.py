"""The patient's side of care after the visit (`/<lang>/aftercare/…`): reached only through the
link in the follow-up email; no sign-in, nothing cached, nothing indexed."""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinical import aftercare
from clinical.forms import FollowUpForm, OutcomeForm
from clinical.models import FollowUp


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "aftercare/invalid.html", _phones(), status=404)


def _phones() -> dict[str, str]:
    return {
        "clinic_phone": settings.CLINIC_PHONE,
        "after_hours_phone": settings.CLINIC_AFTER_HOURS_PHONE,
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_up(request: HttpRequest, token: str) -> HttpResponse:
    found = aftercare.follow_up_find(token)
    if found is None:
        return _invalid(request)
    if found.answered_at is not None:
        return _result(request, found)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            found = aftercare.follow_up_answer(
                follow_up=found, answers=form.answers(), comment=form.cleaned_data["comment"]
            )
        except aftercare.AlreadyAnswered:
            found.refresh_from_db()
        return _result(request, found)
    return render(
        request,
        "aftercare/follow_up.html",
        {"form": form, "follow_up": found, "token": token, **_phones()},
        status=400 if request.method == "POST" else 200,
    )


def _result(request: HttpRequest, follow_up: FollowUp) -> HttpResponse:
    return render(request, "aftercare/follow_up_done.html", {"follow_up": follow_up, **_phones()})


@never_cache
@require_POST
def follow_up_stop(request: HttpRequest, token: str) -> HttpResponse:
    found = aftercare.follow_up_find(token)
    if found is None:
        return _invalid(request)
    aftercare.follow_ups_stop(patient=found.appointment.plan.patient)
    return render(request, "aftercare/stopped.html", _phones())


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def outcome(request: HttpRequest, token: str) -> HttpResponse:
    found = aftercare.outcome_find(token)
    if found is None:
        return _invalid(request)
    if found.answered_at is not None:
        return render(request, "aftercare/outcome_done.html", _phones())
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with contextlib.suppress(aftercare.AlreadyAnswered):
            aftercare.outcome_answer(
                outcome=found,
                impression=int(form.cleaned_data["impression"]),
                satisfaction=int(form.cleaned_data["satisfaction"]),
                would_again=form.cleaned_data["would_again"] == "yes",
                comment=form.cleaned_data["comment"],
            )
        return render(request, "aftercare/outcome_done.html", _phones())
    return render(
        request,
        "aftercare/outcome.html",
        {"form": form, "outcome": found, **_phones()},
        status=400 if request.method == "POST" else 200,
    )
