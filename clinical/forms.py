"""Forms of the clinician area. They validate; the views call the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bookings.engine.rules import local_date
from bookings.models import Appointment
from clinical.models import (
    SYMPTOMS,
    AdverseEvent,
    Impression,
    Lot,
    PhotoKind,
    SymptomLevel,
    TreatmentArea,
    TreatmentRecord,
)
from treatments.models import Procedure

APPROVE = "approve"
DECLINE = "decline"


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (DECLINE, _("Decline"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional when approving, required when declining. Kept in the record; the patient's "
            "email does not quote it."
        ),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == DECLINE and not (data.get("note") or "").strip():
            self.add_error("note", _("Please write why the plan is declined."))
        return data


# Settings that do not apply to a procedure are not asked for (the model refuses them anyway).
_NOT_ASKED = {
    Procedure.MICRONEEDLING: ("energy_mj", "density_percent"),
    Procedure.RF_MICRONEEDLING: ("density_percent",),
    Procedure.FRACTIONAL_LASER: ("needle_depth_mm",),
}


# What the model requires for each procedure (TreatmentRecord.clean), marked required here too.
_REQUIRED = {
    Procedure.MICRONEEDLING: ("needle_depth_mm", "passes"),
    Procedure.RF_MICRONEEDLING: ("needle_depth_mm", "passes"),
    Procedure.FRACTIONAL_LASER: ("energy_mj", "density_percent", "passes"),
}


class LotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, lot: Lot) -> str:
        own = _(" · own lot of this patient") if lot.patient_id else ""
        return _("%(product)s · lot %(lot)s · expires %(date)s%(own)s") % {
            "product": lot.product.name,
            "lot": lot.lot_number,
            "date": lot.expiry_date.isoformat(),
            "own": own,
        }


class TreatmentRecordForm(forms.ModelForm):
    lot = LotChoiceField(
        label=_("Lot"),
        queryset=Lot.objects.none(),
        help_text=_(
            "Usable lots only: not expired on the session's day, not quarantined or recalled, "
            "and a lot made from a patient's own blood or fat only for that patient."
        ),
    )
    areas = forms.MultipleChoiceField(
        label=_("Areas treated"),
        choices=TreatmentArea.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TreatmentRecord
        fields = [
            "lot",
            "quantity_used",
            "needle_depth_mm",
            "energy_mj",
            "density_percent",
            "passes",
            "areas",
            "reactions",
            "notes",
        ]
        widgets = {
            "reactions": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, appointment: Appointment, **kwargs: object) -> None:
        instance = kwargs.get("instance") or TreatmentRecord(appointment=appointment)
        kwargs["instance"] = instance
        super().__init__(*args, **kwargs)
        procedure = appointment.plan.protocol.procedure
        for name in _NOT_ASKED.get(procedure, ()):
            del self.fields[name]
        usable = Lot.objects.usable_for(
            patient=appointment.plan.patient, on=local_date(appointment.start)
        )
        if instance.lot_id is not None:
            # A correction may keep the lot it recorded, even if it was recalled since.
            usable = Lot.objects.filter(pk__in=usable.values("pk")) | Lot.objects.filter(
                pk=instance.lot_id
            )
            usable = usable.select_related("product")
        self.fields["lot"].queryset = usable.order_by("product__name", "expiry_date", "pk")
        for name in _REQUIRED.get(procedure, ()):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = _("Required for %(procedure)s.") % {
                "procedure": Procedure(procedure).label
            }

    def _post_clean(self) -> None:
        super()._post_clean()
        # The model repeats a "required for this procedure" the form has already said.
        for errors in self.errors.values():
            unique = {" ".join(error.messages): error for error in errors.as_data()}
            errors.data[:] = list(unique.values())


class PhotoForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Before or after"), choices=PhotoKind.choices, widget=forms.RadioSelect
    )
    area = forms.ChoiceField(label=_("Area"), choices=TreatmentArea.choices)
    # A plain file field: the photo is recognised by opening it (clinical/photos.py), never by
    # its name or the browser's content type.
    image = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP. Location and camera data are removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class LotSearchForm(forms.Form):
    lot = forms.CharField(
        label=_("Lot / batch number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class RecallForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the recall"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the supplier's recall notice and its date. Kept with the lot."),
    )


class RecallNoticeForm(forms.Form):
    """The notice's subject and text in each language, prefilled with the saved or suggested
    text; each patient receives the one in their language."""

    def __init__(self, *args: object, texts: dict[str, tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        for code, (subject, body) in texts.items():
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": names[code]},
                max_length=200,
                initial=subject,
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": names[code]},
                max_length=5000,
                initial=body,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    def texts(self) -> dict[str, tuple[str, str]]:
        return {
            code: (self.cleaned_data[f"subject_{code}"], self.cleaned_data[f"body_{code}"])
            for code, _name in settings.LANGUAGES
        }


class FollowUpForm(forms.Form):
    """The patient's answer: each symptom none to severe, and their own words."""

    comment = forms.CharField(
        label=_("Anything else you want us to know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        comment = self.fields.pop("comment")
        for name, question in SYMPTOMS.items():
            self.fields[name] = forms.ChoiceField(
                label=question,
                choices=SymptomLevel.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please choose one answer.")},
            )
        self.fields["comment"] = comment

    def answers(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in SYMPTOMS}


class AdverseEventForm(forms.ModelForm):
    class Meta:
        model = AdverseEvent
        fields = [
            "onset",
            "description",
            "severity",
            "hospitalisation",
            "life_threatening",
            "lasting_harm",
            "other_important",
            "outcome",
            "relatedness",
        ]
        widgets = {
            "onset": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "other_important": _(
                "Any of these four makes the event serious: it must then be reported (the page "
                "says where)."
            ),
        }


SATISFACTION = [
    (5, _("Very satisfied")),
    (4, _("Satisfied")),
    (3, _("Neither satisfied nor dissatisfied")),
    (2, _("Dissatisfied")),
    (1, _("Very dissatisfied")),
]


class OutcomeForm(forms.Form):
    impression = forms.TypedChoiceField(
        label=_("Compared with before the course, how does the treated skin look now?"),
        choices=Impression.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=SATISFACTION,
        coerce=int,
        widget=forms.RadioSelect,
    )
    would_again = forms.ChoiceField(
        label=_("Knowing what you know now, would you have the course again?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything else you want us to know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClinicianRatingForm(forms.Form):
    clinician_impression = forms.TypedChoiceField(
        label=_("Your impression of change (GAIS)"), choices=Impression.choices, coerce=int
    )
