"""Forms of the online booking flow. They validate; the views call the services."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from bookings.engine.availability import Opening
from bookings.engine.rules import clinic_zone
from bookings.models import Clinician, ConsentText, Patient, ScreeningQuestion

ADULT_AGE = 18
OLDEST_AGE = 120
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# Digits, spaces and the usual separators, an optional leading +; at least 6 digits.
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()/.\-]+$")


def _helper(*, tag: bool = False) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = tag
    helper.disable_csrf = True  # the templates put {% csrf_token %} in every POST form
    return helper


def _radio_helper() -> FormHelper:
    """The radio-only forms of the two busiest booking pages: crispy-bootstrap5's markup, built by
    a template tag (issue 22: crispy's own templates were a third of those requests)."""
    helper = _helper()
    helper.template = "forms/radio_form.html"
    return helper


def _age_on(day: date, born: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class ScreeningForm(forms.Form):
    """One yes/no question per applicable `ScreeningQuestion`; every one must be answered."""

    def __init__(self, *args: object, questions: Sequence[ScreeningQuestion], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                help_text=question.explanation,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please answer yes or no.")},
            )
        self.helper = _radio_helper()

    def answers(self) -> dict[int, bool]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] == "yes" for q in self.questions}


class CourseSearchForm(forms.Form):
    """Who and from when: a GET form, so the proposal page can be bookmarked and reloaded."""

    clinician = forms.TypedChoiceField(
        label=_("Clinician"), required=False, coerce=int, empty_value=None
    )
    earliest = forms.DateField(
        label=_("Earliest date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for the first free times."),
    )

    def __init__(self, *args: object, clinicians: Sequence[Clinician], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].choices = [
            ("", _("First available")),
            *[(c.pk, c.display_name) for c in clinicians],
        ]
        self.helper = _helper()
        self.helper.form_method = "get"


class OpeningChoiceForm(forms.Form):
    """One of the free start times offered on a day (value: "<ISO start>|<clinician id>")."""

    opening = forms.ChoiceField(
        label=_("Start time"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a time.")},
    )

    def __init__(
        self,
        *args: object,
        openings: Sequence[Opening],
        clinician_names: dict[int, str],
        **kwargs: object,
    ):
        super().__init__(*args, **kwargs)
        self.openings = {self.value_of(opening): opening for opening in openings}
        zone = clinic_zone()
        # Grouped by clinician so a day reads as a short list per person; each label still names
        # the clinician for screen readers (two radios must never both be called "08:15").
        # Built as plain strings (a day can offer forty-odd times): "H:i" is the same in every
        # language, and each clinician's name is escaped once.
        hidden_names = {
            pk: format_html(' <span class="visually-hidden">· {}</span>', name)
            for pk, name in clinician_names.items()
        }
        unnamed = format_html(' <span class="visually-hidden">· {}</span>', "")
        by_clinician: dict[int, list[tuple[str, str]]] = {}
        for value, opening in self.openings.items():
            local = opening.start.astimezone(zone)
            label = mark_safe(  # the time is digits, the name escaped above
                f"{local.hour:02d}:{local.minute:02d}"
                f"{hidden_names.get(opening.clinician_id) or unnamed}"
            )
            by_clinician.setdefault(opening.clinician_id, []).append((value, label))
        self.fields["opening"].choices = [
            (clinician_names.get(clinician_id, ""), choices)
            for clinician_id, choices in sorted(
                by_clinician.items(), key=lambda item: clinician_names.get(item[0], "")
            )
        ]
        self.fields["opening"].error_messages["invalid_choice"] = _(
            "That time is no longer free. Please choose another one."
        )
        self.helper = _radio_helper()

    @staticmethod
    def value_of(opening: Opening) -> str:
        return f"{opening.start.isoformat()}|{opening.clinician_id}"

    def chosen(self) -> Opening:
        return self.openings[self.cleaned_data["opening"]]


class PatientDetailsForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=160)
    email = forms.EmailField(
        label=_("Email"),
        # The column's length (Patient.email): the validator alone allows up to 320 characters,
        # which PostgreSQL refuses with a server error.
        max_length=Patient._meta.get_field("email").max_length,
        help_text=_("We send your confirmation, calendar file and manage link here."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        help_text=_("So we can reach you if a time has to change."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={"invalid": _("Please enter a date, for example 1985-04-23.")},
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for emails"), choices=settings.LANGUAGES
    )

    def __init__(self, *args: object, today: date | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.helper = _helper()

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Please enter your full name."))
        return name

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        digits = sum(char.isdigit() for char in phone)
        if not PHONE_PATTERN.match(phone) or not 6 <= digits <= 17:
            raise forms.ValidationError(
                _("Please enter a phone number with digits only, for example +49 30 1234 5678.")
            )
        return phone

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if born > self.today:
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        age = _age_on(self.today, born)
        if age > OLDEST_AGE:
            raise forms.ValidationError(_("Please check the year of your date of birth."))
        if age < ADULT_AGE:
            raise forms.ValidationError(
                _(
                    "We can only book treatments online for patients aged 18 or over. Please "
                    "call us on %(phone)s or write to %(email)s and we will talk it through."
                )
                % {"phone": settings.CLINIC_PHONE, "email": settings.CLINIC_EMAIL}
            )
        return born

    def as_session(self) -> dict[str, str]:
        data = dict(self.cleaned_data)
        data["date_of_birth"] = data["date_of_birth"].isoformat()
        return data


class ConfirmForm(forms.Form):
    """Consent to the text shown, and the confirmation itself."""

    consent = forms.BooleanField(
        label=_("I have read the consent text above and I agree to it."),
        error_messages={"required": _("Please tick the box to give your consent.")},
    )
    consent_text = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: object,
        consent_text: ConsentText,
        shown: int | None = None,
        **kwargs: object,
    ):
        super().__init__(*args, **kwargs)
        self.consent = consent_text
        self.shown = shown  # the text the review page last showed this patient (session)
        self.fields["consent_text"].initial = consent_text.pk
        self.helper = _helper()

    def clean_consent_text(self) -> int:
        shown = self.cleaned_data["consent_text"]
        if shown == self.consent.pk:
            return shown
        # The version the patient read is the one recorded (a newer one may have been published
        # since the page was shown); it must be the one the page showed them — not any other
        # version or language a tampered form names — still be published, and be an earlier
        # version of this course's text (`for_course`: same procedure, source and language), never
        # the text of another course.
        exists = (
            shown == self.shown
            and ConsentText.objects.filter(
                pk=shown,
                published_at__lte=timezone.now(),
                procedure=self.consent.procedure,
                source=self.consent.source,
                language=self.consent.language,
            ).exists()
        )
        if not exists:
            raise forms.ValidationError(_("Please read the consent text again and confirm."))
        return shown


class NewLinkForm(forms.Form):
    email = forms.EmailField(label=_("Email"), help_text=_("The address you used when you booked."))

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.helper = _helper()
