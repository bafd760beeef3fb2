"""Forms of the consultation booking (issue 18). They validate; the views call the engine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.engine.availability import Opening
from bookings.engine.rules import Visit
from bookings.models import ConsultationTopic
from bookings.online.forms import PatientDetailsForm


def opening_value(opening: Opening) -> str:
    """A free time as the form sends it back: the clinician and the instant."""
    return f"{opening.clinician_id}:{int(opening.start.timestamp())}"


class ConsultationForm(PatientDetailsForm):
    """A time, what the patient would like to discuss (optional), and who they are.

    No medical screening here: nothing is done to the patient in a consultation.
    """

    slot = forms.ChoiceField(
        label=_("Time"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a time."),
            "invalid_choice": _("That time is no longer free. Please choose another."),
        },
    )
    topics = forms.MultipleChoiceField(
        label=_("What would you like to discuss? (optional)"),
        choices=ConsultationTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    message = forms.CharField(
        label=_("Anything else you would like us to know (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    field_order = ["slot", "topics", "message"]

    def __init__(self, *args: object, openings: Sequence[Opening], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.openings = {opening_value(o): o for o in openings}
        self.fields["slot"].choices = [(value, value) for value in self.openings]

    def visit(self) -> Visit:
        opening = self.openings[self.cleaned_data["slot"]]
        return Visit(
            sequence=opening.sequence,
            start=datetime.fromtimestamp(opening.start.timestamp(), tz=UTC),
            clinician_id=opening.clinician_id,
            minutes=opening.minutes,
        )
