"""Consultations at reception (issue 18): the settings (length, price or free, which
clinicians offer them) and booking a consultation for a caller, through `booking_place`."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.engine.consultation import consultation_openings
from bookings.engine.placing import Channel, booking_place, proposal_new_id
from bookings.engine.rules import Visit, local_date
from bookings.models import (
    Clinician,
    ConsultationSettings,
    ConsultationTopic,
    Plan,
    PlanKind,
)
from bookings.notify.consultation_emails import consultation_notify_booked
from bookings.reception.caller import CallerForm, caller_identity, place_by_phone
from treatments.models import Protocol


class ConsultationPhoneForm(CallerForm):
    protocol = forms.ModelChoiceField(
        label=gettext_lazy("Treatment asked about (optional)"),
        queryset=Protocol.objects.filter(published=True),
        required=False,
    )
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    topics = forms.MultipleChoiceField(
        label=gettext_lazy("What would you like to discuss? (optional)"),
        choices=ConsultationTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    message = forms.CharField(
        label=gettext_lazy("Anything else you would like us to know (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


def _value(visit: Visit) -> str:
    return f"{visit.clinician_id}:{int(visit.start.timestamp())}"


@admin.register(ConsultationSettings)
class ConsultationSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "active", "minutes", "price"]
    filter_horizontal = ["clinicians"]

    def get_urls(self) -> list:
        return [
            path(
                "phone/",
                self.admin_site.admin_view(consultation_phone_booking),
                name="bookings_consultation_phone",
            ),
            *super().get_urls(),
        ]


def consultation_phone_booking(request: HttpRequest) -> HttpResponse:
    """Book a consultation for a caller: a day, a free time, what they would like to discuss."""
    if not request.user.has_perms(["bookings.add_plan", "bookings.add_appointment"]):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    form = ConsultationPhoneForm(
        data if "day" in data else None, initial={"day": local_date(timezone.now())}
    )
    context: dict[str, object] = {"form": form, "times": [], "matches": []}
    if form.is_bound and form.is_valid():
        day: date = form.cleaned_data["day"]
        openings = consultation_openings(first_day=day, last_day=day, online=False).get(day, [])
        names = dict(Clinician.objects.values_list("pk", "display_name"))
        context["times"] = [
            (_value(o), f"{timezone.localtime(o.start):%H:%M} · {names.get(o.clinician_id, '')}")
            for o in openings
        ]
        chosen = {_value(o): o for o in openings}.get(request.POST.get("time", ""))
        context["proposal"] = request.POST.get("proposal", "")[:64] or proposal_new_id()
        if request.method == "POST" and request.POST.get("action") == "book":
            if chosen is None:
                messages.error(request, _("Please choose a time."))
            else:
                booked = _book(request, form, chosen, context)
                if booked is not None:
                    return booked
    return TemplateResponse(
        request,
        "admin/bookings/consultation_phone.html",
        {
            **admin.site.each_context(request),
            "title": _("Book a consultation by phone"),
            "opts": ConsultationSettings._meta,
            **context,
        },
    )


def _book(
    request: HttpRequest, form: ConsultationPhoneForm, opening: Visit, context: dict[str, object]
) -> HttpResponseRedirect | None:
    data = form.cleaned_data
    patient, details, new_patient_confirmed = caller_identity(request, form)
    base_url = request.build_absolute_uri("/").rstrip("/")
    visit = Visit(
        sequence=opening.sequence,
        start=datetime.fromtimestamp(opening.start.timestamp(), tz=UTC),
        clinician_id=opening.clinician_id,
        minutes=opening.minutes,
    )
    plan = place_by_phone(
        request,
        context,
        lambda: booking_place(
            channel=Channel.PHONE,
            kind=PlanKind.CONSULTATION,
            protocol=data["protocol"],
            visits=[visit],
            proposal_id=str(context["proposal"]),
            answers=[],
            patient=patient,
            details=details,
            new_patient_confirmed=new_patient_confirmed,
            topics=data["topics"],
            message=data["message"],
            after_commit=lambda placed: consultation_notify_booked(plan=placed, base_url=base_url),
        ),
    )
    if plan is None:
        return None
    admin.site.get_model_admin(Plan).log_addition(request, plan, _("Consultation booked by phone."))
    messages.success(request, _("Consultation booked. The patient is emailed the time."))
    return HttpResponseRedirect(reverse("admin:bookings_patient_change", args=[plan.patient_id]))
