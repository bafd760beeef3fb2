from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import Clinician, Device
from reports.selectors import MAX_DAYS
from treatments.models import Protocol


def last_month(today: date) -> tuple[date, date]:
    """The calendar month before `today`'s: the period a report opens with."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


# The reports count visits, bookings and sales: nothing before the clinic's software or far in
# the future; the bounds also keep the period's day arithmetic inside Python's date range.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"})


class ReportFilterForm(forms.Form):
    """The period and the optional filters (GET). A clinician's own reports have no clinician
    choice: the view fixes it to them."""

    first = forms.DateField(label=_("From"), widget=DATE_INPUT)
    last = forms.DateField(label=_("Until"), widget=DATE_INPUT)
    clinician = forms.ModelChoiceField(
        label=_("Clinician"),
        queryset=Clinician.objects.all(),
        required=False,
        empty_label=_("All clinicians"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    device = forms.ModelChoiceField(
        label=_("Device"),
        queryset=Device.objects.all(),
        required=False,
        empty_label=_("Any device or none"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    protocol = forms.ModelChoiceField(
        label=_("Treatment"),
        queryset=Protocol.objects.all(),
        required=False,
        empty_label=_("All treatments"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: object, choose_clinician: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not choose_clinician:
            del self.fields["clinician"]

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last:
            if first < EARLIEST or last > LATEST:
                raise forms.ValidationError(
                    _("Choose dates between %(earliest)s and %(latest)s.")
                    % {"earliest": EARLIEST.year, "latest": LATEST.year}
                )
            if last < first:
                raise forms.ValidationError(_("The end of the period is before its start."))
            if (last - first).days >= MAX_DAYS:
                raise forms.ValidationError(
                    _("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS}
                )
        return data
