"""Forms of the clinician area. They validate; the views call the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment
from clinical.models import PhotoKind, TreatmentArea, TreatmentRecord
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


class TreatmentRecordForm(forms.ModelForm):
    areas = forms.MultipleChoiceField(
        label=_("Areas treated"),
        choices=TreatmentArea.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TreatmentRecord
        fields = [
            "product_name",
            "lot_number",
            "expiry_date",
            "needle_depth_mm",
            "energy_mj",
            "density_percent",
            "passes",
            "areas",
            "reactions",
            "notes",
        ]
        widgets = {
            "expiry_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "reactions": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "lot_number": _("As printed on the vial; used for recalls."),
            "expiry_date": _("An expired lot is refused."),
        }

    def __init__(self, *args: object, appointment: Appointment, **kwargs: object) -> None:
        instance = kwargs.get("instance") or TreatmentRecord(appointment=appointment)
        kwargs["instance"] = instance
        super().__init__(*args, **kwargs)
        procedure = appointment.plan.protocol.procedure
        for name in _NOT_ASKED.get(procedure, ()):
            del self.fields[name]
        for name in ("product_name", "lot_number", "expiry_date"):
            self.fields[name].required = True
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
