"""The clinician's side of a consultation (issue 18): read what the patient wants to discuss,
and afterwards recommend a course; the patient gets an email link that opens its booking.

The email goes through the engine's notice seam (bookings.engine.notices): clinical never
imports the email code.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from bookings.engine.consultation import recommendation_create
from bookings.engine.notices import RECOMMENDATION_MADE, notice_send
from bookings.models import AppointmentStatus, Clinician, PlanKind, Recommendation
from clinical.access import clinician_of, medical_staff_required, plans_visible_to
from treatments.models import Protocol


class RecommendationForm(forms.Form):
    protocol = forms.ModelChoiceField(
        label=gettext_lazy("Recommended treatment"), queryset=Protocol.objects.none()
    )
    clinician = forms.ModelChoiceField(
        label=gettext_lazy("Clinician (optional)"),
        queryset=Clinician.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any clinician who performs it"),
    )
    earliest_start = forms.DateField(
        label=gettext_lazy("Earliest start (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the patient (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Sent to the patient by email: plain words, no diagnosis details you would not "
            "put in a letter."
        ),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].queryset = Protocol.objects.filter(published=True).order_by("name")
        self.fields["clinician"].queryset = Clinician.objects.filter(active=True)

    def clean(self) -> dict:
        data = super().clean()
        protocol, clinician = data.get("protocol"), data.get("clinician")
        if protocol and clinician and not clinician.protocols.filter(pk=protocol.pk).exists():
            self.add_error("clinician", _("This clinician does not perform this treatment."))
        earliest = data.get("earliest_start")
        if earliest and earliest < timezone.localdate():
            self.add_error("earliest_start", _("The earliest start cannot be in the past."))
        return data


@require_http_methods(["GET", "HEAD", "POST"])
@medical_staff_required
def consultation_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(
        plans_visible_to(request.user)
        .filter(kind=PlanKind.CONSULTATION)
        .select_related("patient", "protocol", "clinician", "consultation"),
        pk=plan_id,
    )
    visit = plan.appointments.exclude(status=AppointmentStatus.CANCELLED).first()
    held = visit is not None and visit.start <= timezone.now()
    form = RecommendationForm(request.POST or None)
    if request.method == "POST":
        clinician = clinician_of(request.user)
        if clinician is None or not held:
            raise PermissionDenied  # only a clinician, and only after the consultation
        if form.is_valid():
            data = form.cleaned_data
            base_url = settings.SITE_URL
            with transaction.atomic():
                recommendation, token = recommendation_create(
                    consultation=plan,
                    protocol=data["protocol"],
                    recommended_by=clinician,
                    clinician=data["clinician"],
                    earliest_start=data["earliest_start"],
                    note=data["note"],
                )
                notice_send(
                    RECOMMENDATION_MADE,
                    plan=plan,
                    recommendation=recommendation,
                    token=token,
                    base_url=base_url,
                )
            messages.success(request, _("The recommendation was sent to the patient by email."))
            return redirect("clinical:consultation", plan_id=plan.pk)
    return render(
        request,
        "clinical/consultation.html",
        {
            "plan": plan,
            "visit": visit,
            "request_details": getattr(plan, "consultation", None),
            "held": held,
            "form": form,
            "recommendations": Recommendation.objects.filter(consultation=plan).select_related(
                "protocol", "clinician", "recommended_by", "booked_plan"
            ),
        },
    )
