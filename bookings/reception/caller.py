"""Who is on the phone, and placing what they book: the part shared by reception's phone
bookings (a course, a consultation), so both identify a patient and answer a refusal or a
database failure the same way around `booking_place`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.engine.errors import BookingError, PatientMayExist
from bookings.engine.patients import PatientDetails
from bookings.models import Patient, Plan

logger = logging.getLogger(__name__)


class CallerForm(forms.Form):
    """A known patient (the hidden id the patient search fills in), or a new caller's details."""

    patient = forms.ModelChoiceField(
        queryset=Patient.objects.all(), required=False, widget=forms.HiddenInput
    )
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=160, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Language for emails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("patient") is None:
            for name in ("full_name", "email", "date_of_birth"):
                if not data.get(name):
                    self.add_error(name, _("Needed for a new patient."))
        return data


def caller_identity(
    request: HttpRequest, form: CallerForm
) -> tuple[Patient | None, PatientDetails | None, bool]:
    """The patient to book for, or the new caller's details, and whether the desk confirmed a
    new patient: the one chosen in the form, else the one the desk picked among possible matches
    (`same_patient`), else the details typed."""
    data = form.cleaned_data
    patient = data["patient"]
    same = request.POST.get("same_patient", "")
    if patient is None and same.isascii() and same.isdigit():
        patient = Patient.objects.filter(pk=int(same)).first()
    details = None
    if patient is None:
        details = PatientDetails(
            full_name=data["full_name"],
            email=data["email"],
            phone=data["phone"],
            date_of_birth=data["date_of_birth"],
            preferred_language=data["preferred_language"] or settings.LANGUAGE_CODE,
        )
    return patient, details, same == "new"


def place_by_phone(
    request: HttpRequest, context: dict[str, object], place: Callable[[], Plan]
) -> Plan | None:
    """`place()` (a `booking_place` call), or None with the desk told why: possible matches of
    an existing patient to choose from, the engine's refusal, or a failed transaction (nothing
    of it was written, and the patient was not emailed)."""
    try:
        return place()
    except PatientMayExist as error:
        context["matches"] = error.matches
        messages.warning(request, error.message)
    except BookingError as error:
        messages.error(request, error.message)
    except DatabaseError as error:
        # Nothing medical in the log.
        logger.warning("Phone booking not placed (%s)", type(error).__name__)
        messages.error(
            request,
            _(
                "The booking could not be finished: the clinic's calendar is busy right now. "
                "Nothing was booked and the patient was not emailed; please try again in a moment."
            ),
        )
    return None
