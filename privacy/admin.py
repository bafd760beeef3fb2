"""The clinic manager's page for patients' export and erasure requests (admin → Privacy).

Only someone who sees every patient (`clinical.view_all_patients`: the Clinic manager and
superusers) sees this page and may export; erasing also needs `bookings.delete_patient`. Both
actions write a clinical audit entry; erasure asks for confirmation first.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.engine.errors import BookingError
from clinical.models import AuditAction
from common.admin_base import ReadOnlyAdmin
from privacy.audit import audit_patient_request
from privacy.models import ErasureRecord, PatientDataRequest
from privacy.services import erasure_preview, patient_erase, patient_export

SEES_EVERY_PATIENT = "clinical.view_all_patients"
MAY_ERASE = "bookings.delete_patient"


class ManagerOnlyAdmin(ReadOnlyAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SEES_EVERY_PATIENT)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm(SEES_EVERY_PATIENT)


@admin.register(PatientDataRequest)
class PatientDataRequestAdmin(ManagerOnlyAdmin):
    list_display = ["number", "full_name", "email", "created_at", "erased"]
    list_display_links = None
    search_fields = ["full_name", "email", "=id"]
    actions = ["export_data", "erase_data"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        erased = ErasureRecord.objects.filter(patient_number=OuterRef("pk"))
        return super().get_queryset(request).annotate(was_erased=Exists(erased))

    @admin.display(description=gettext_lazy("patient number"), ordering="pk")
    def number(self, patient: PatientDataRequest) -> int:
        return patient.pk

    @admin.display(description=gettext_lazy("erased"), boolean=True)
    def erased(self, patient: PatientDataRequest) -> bool:
        return patient.was_erased

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not request.user.has_perm(MAY_ERASE):
            actions.pop("erase_data", None)
        return actions

    @admin.action(description=gettext_lazy("Export all data (zip with JSON and photos)"))
    def export_data(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one patient to export."), messages.ERROR)
            return None
        patient = queryset.get()
        content = patient_export(patient=patient)
        audit_patient_request(
            action=AuditAction.EXPORT, patient_number=patient.pk, user=request.user, request=request
        )
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}-export.zip"'
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Erase personal and medical data…"))
    def erase_data(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if not request.user.has_perm(MAY_ERASE):
            return None
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one patient to erase."), messages.ERROR)
            return None
        patient = queryset.get()
        if request.POST.get("confirm") == "erase":
            try:
                record = patient_erase(patient=patient, erased_by=request.user)
            except BookingError as error:  # busy calendar, or erased a moment ago
                self.message_user(request, error.message, messages.ERROR)
                return None
            audit_patient_request(
                action=AuditAction.ERASE,
                patient_number=record.patient_number,
                user=request.user,
                request=request,
            )
            self.message_user(
                request,
                _("Patient %(number)s erased. An anonymised trace is kept.")
                % {"number": record.patient_number},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "privacy/erase_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Erase this patient's data?"),
                "patient": patient,
                "rows": erasure_preview(patient=patient),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ManagerOnlyAdmin):
    list_display = ["patient_number", "reason", "erased_by", "erased_at"]
    list_filter = ["reason"]
    date_hierarchy = "erased_at"
    readonly_fields = ["patient_number", "reason", "erased_by", "erased_at", "removed", "kept"]
