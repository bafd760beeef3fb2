"""Admin for clinical records: read-only, permission-gated, audited.

- Audit entries: listed and filtered by those with `clinical.view_auditentry` (the clinic
  manager); nobody — not even a superuser — can add, change or delete one here.
- Treatment records and photos: visible only with their view permission (never Reception), and
  only the patients the user may see (`clinical.access`); every record or photo opened here writes
  an audit entry, as in the clinician pages. They are written in the clinician pages, through the
  services, so they are not editable here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment, Patient, Plan
from bookings.reception.admin import AppointmentAdmin as BookingAppointmentAdmin
from bookings.reception.admin import PatientAdmin as BookingPatientAdmin
from bookings.reception.admin import PlanAdmin as BookingPlanAdmin
from clinical.access import (
    appointments_visible_to,
    can_see_medical_data,
    patients_visible_to,
    plans_visible_to,
    sees_every_patient,
)
from clinical.audit import audit_record
from clinical.models import (
    AuditEntry,
    AuditObject,
    FollowUp,
    Lot,
    LotStatus,
    Photo,
    TreatmentRecord,
    lot_key,
    normalise_lot,
)
from common.admin_base import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type", ("user", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "object_id", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    fields = list_display
    actions = None


class NotFoundOutsideScope:
    """An object outside the user's scope answers 404, as in the clinician pages.

    The admin's own answer for a missing object is a redirect with "doesn't exist", which a
    script can tell apart from a 404 no better than an object that exists: every page answers
    the same way for "not yours" and "not there", so ids cannot be enumerated.
    """

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: object, object_id: str
    ) -> HttpResponse:
        raise Http404


class MedicalRecordAdmin(NotFoundOutsideScope, ReadOnlyAdmin):
    """Scoped to the patients the user may see; opening one is audited."""

    audit_object: str = ""
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .filter(appointment__in=appointments_visible_to(request.user))
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and str(object_id).isdigit():
            audit_record(
                request=request, object_type=self.audit_object, object_ids=[int(object_id)]
            )
        return response


@admin.register(TreatmentRecord)
class TreatmentRecordAdmin(MedicalRecordAdmin):
    audit_object = AuditObject.TREATMENT_RECORD
    list_display = ["appointment", "patient", "product_name", "lot_number", "recorded_by"]
    list_select_related = ["appointment__plan__patient", "recorded_by"]
    search_fields = ["lot_number", "product_name", "appointment__plan__patient__full_name"]
    date_hierarchy = "recorded_at"
    exclude = ["areas"]
    readonly_fields = ["area_list"]

    @admin.display(description=_("patient"))
    def patient(self, record: TreatmentRecord) -> str:
        return record.appointment.plan.patient.full_name

    @admin.display(description=_("areas treated"))
    def area_list(self, record: TreatmentRecord) -> str:
        return ", ".join(record.area_labels())


@admin.register(Photo)
class PhotoAdmin(MedicalRecordAdmin):
    audit_object = AuditObject.PHOTO
    list_display = ["pk", "appointment", "kind", "area", "uploaded_at", "taken_by"]
    list_filter = ["kind", "area"]
    list_select_related = ["appointment", "taken_by"]
    fields = ["appointment", "kind", "area", "width", "height", "taken_by", "uploaded_at", "link"]
    readonly_fields = ["link", "uploaded_at"]

    @admin.display(description=_("photo"))
    def link(self, photo: Photo) -> str:
        # Served by the clinician area's permission-checking view, never by a file URL.
        return format_html(
            '<a href="{}">{}</a>',
            reverse("clinical:photo-file", args=[photo.pk, "full"]),
            _("Open the photo"),
        )


# --- The booking admin's plan page, scoped like the clinician pages ---------------------------
# The booking admin shows a plan's review note (medical) to anyone who may see medical data; it
# cannot know which patients a clinician is assigned to (that rule is clinical.access, and
# bookings does not import clinical). So the rule is applied here, on top: a clinician reads the
# note only of the plans they may open in the clinician pages, and nobody short of a clinic
# manager filters the plan list by its words (counting the rows would tell what it says).


def _scoped_to_patients(request: HttpRequest) -> bool:
    """Medical staff who do not see every patient (clinicians) see only their own patients'
    bookings in the admin too. Reception sees every booking (the agenda is its job) but no
    medical data; the clinic manager sees everything."""
    user = request.user
    return can_see_medical_data(user) and not sees_every_patient(user)


class ScopedPatientAdmin(NotFoundOutsideScope, BookingPatientAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Patient]:
        queryset = super().get_queryset(request)
        if _scoped_to_patients(request):
            queryset = queryset.filter(pk__in=patients_visible_to(request.user).values("pk"))
        return queryset


class ScopedAppointmentAdmin(NotFoundOutsideScope, BookingAppointmentAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        queryset = super().get_queryset(request)
        if _scoped_to_patients(request):
            queryset = queryset.filter(pk__in=appointments_visible_to(request.user).values("pk"))
        return queryset


class ScopedPlanAdmin(NotFoundOutsideScope, BookingPlanAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Plan]:
        queryset = super().get_queryset(request)
        if _scoped_to_patients(request):
            queryset = queryset.filter(pk__in=plans_visible_to(request.user).values("pk"))
        return queryset

    def get_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        fields = super().get_fields(request, obj)
        if "review_note" in fields and not _may_read_note(request, obj):
            fields = [name for name in fields if name != "review_note"]
        return fields

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        if lookup.split("__")[0] == "review_note" and not sees_every_patient(request.user):
            return False
        return super().lookup_allowed(lookup, value, request)


def _may_read_note(request: HttpRequest, plan: object) -> bool:
    if plan is None:
        return sees_every_patient(request.user)
    return plans_visible_to(request.user).filter(pk=plan.pk).exists()


admin.site.unregister(Plan)
admin.site.register(Plan, ScopedPlanAdmin)
admin.site.unregister(Appointment)
admin.site.register(Appointment, ScopedAppointmentAdmin)
admin.site.unregister(Patient)
admin.site.register(Patient, ScopedPatientAdmin)


# --- Stock: lots of products (the clinic manager receives them here) ------------------------


class LotAdminForm(forms.ModelForm):
    class Meta:
        model = Lot
        fields = [
            "product",
            "lot_number",
            "expiry_date",
            "received_on",
            "quantity_received",
            "status",
            "patient",
        ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # A recall needs a reason and tells the patients: it is done on the lot's page in the
        # clinician area (clinical.recall), never by switching this field.
        if self.instance.status != LotStatus.RECALLED:
            self.fields["status"].choices = [
                choice for choice in LotStatus.choices if choice[0] != LotStatus.RECALLED
            ]
        else:
            self.fields["status"].disabled = True

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        # The unique (product, lot_key) constraint is skipped by the form's own validation:
        # lot_key is derived in save(), not a form field. Check it here, or a second
        # "exo 2026 0412" for the same product is an IntegrityError (a 500), not a form error.
        product, number = cleaned.get("product"), cleaned.get("lot_number")
        key = lot_key(normalise_lot(number or ""))
        if product is not None and key:
            others = Lot.objects.filter(product=product, lot_key=key).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("lot_number", _("This product already has a lot with this number."))
        return cleaned


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    form = LotAdminForm
    list_display = [
        "lot_number",
        "product",
        "expiry_date",
        "received_on",
        "quantity_received",
        "used",
        "status",
        "own_lot",
    ]
    list_filter = ["status", "product"]
    search_fields = ["lot_number", "lot_key", "product__name"]
    list_select_related = ["product"]
    autocomplete_fields = ["patient"]
    date_hierarchy = "received_on"
    readonly_fields = ["recall_reason", "recalled_at", "recalled_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_quantity_used()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # "exo 2026 0412" finds "EXO-2026-0412": lot numbers are matched without case, spaces
        # or dashes (clinical.models.lot_key).
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            results = results | queryset.matching(search_term)
        return results, duplicates

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a lot that was used is evidence; one entered by mistake is quarantined

    @admin.display(description=_("used"))
    def used(self, lot: Lot) -> int:
        return lot.quantity_used

    @admin.display(description=_("own lot of a patient"), boolean=True)
    def own_lot(self, lot: Lot) -> bool:
        return lot.patient_id is not None


# --- Follow-ups for reception: whether one is pending, never what it says ------------------


@admin.register(FollowUp)
class FollowUpStatusAdmin(ReadOnlyAdmin):
    """Reception sees that a follow-up was sent and whether it is answered: the answers are
    medical data, read only in the clinician pages (audited)."""

    list_display = ["appointment", "sent_at", "answered"]
    fields = ["appointment", "sent_at", "answered"]
    readonly_fields = fields
    list_select_related = ["appointment__plan__patient", "appointment__plan__protocol"]
    date_hierarchy = "sent_at"
    actions = None

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Django allows URL lookups on any local field: ?infection=severe or
        # ?comment__icontains=pus would list the patients by their answers. Only when a
        # follow-up was sent (date_hierarchy) and whether it is answered may narrow the list.
        return lookup.split("__")[0] == "sent_at" or lookup == "answered_at__isnull"

    @admin.display(description=_("answered"), boolean=True)
    def answered(self, follow_up: FollowUp) -> bool:
        return follow_up.answered_at is not None
