"""The clinician area (`/<lang>/staff/`): thin views over `clinical.services`.

Every object is fetched through a user-scoped helper that answers 404 for anything the user may
not see (`clinical/access.py`); every page that shows screening answers, a treatment record or a
photo writes its audit entries (`clinical/audit.py`).
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from bookings.engine.errors import BookingError
from bookings.engine.rules import clinic_zone
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Plan,
    PlanStatus,
)
from clinical import aftercare, charts, recall, services
from clinical import dashboard as dashboard_lists
from clinical.access import (
    appointments_visible_to,
    can_see_medical_data,
    clinician_of,
    medical_staff_required,
    plans_visible_to,
    scope_of,
    sees_every_patient,
)
from clinical.audit import audit_record
from clinical.forms import (
    APPROVE,
    AdverseEventForm,
    ClinicianRatingForm,
    LotSearchForm,
    PhotoForm,
    RecallForm,
    RecallNoticeForm,
    ReviewForm,
    TreatmentRecordForm,
)
from clinical.models import (
    SYMPTOMS,
    AdverseEvent,
    AuditAction,
    AuditObject,
    CourseOutcome,
    FollowUp,
    Lot,
    Photo,
    PhotoKind,
    Severity,
    SymptomLevel,
    TreatmentArea,
    TreatmentRecord,
    normalise_lot,
    photo_storage,
)
from clinical.outcomes import MIN_GROUP_PATIENTS, outcomes_by, suppress_complements
from clinical.photos import PhotoRejected
from common.db import reads_in_one_transaction


class StaffLoginView(auth_views.LoginView):
    """A standard Django sign-in, so that a second-factor middleware can take over after it."""

    template_name = "clinical/login.html"
    next_page = reverse_lazy("clinical:dashboard")


class StaffLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("clinical:login")


# --- Fetch helpers: anything not yours is a 404 ------------------------------------------------


def _plan_for(request: HttpRequest, plan_id: int) -> Plan:
    return get_object_or_404(
        plans_visible_to(request.user).select_related(
            "patient", "protocol", "clinician", "reviewed_by", "consent_text"
        ),
        pk=plan_id,
    )


def _appointment_for(request: HttpRequest, appointment_id: int) -> Appointment:
    return get_object_or_404(
        appointments_visible_to(request.user).select_related(
            "plan__patient", "plan__protocol", "clinician", "device", "treatment_record"
        ),
        pk=appointment_id,
    )


def _today_and_week(now: datetime) -> tuple[datetime, datetime, datetime]:
    """Start of today, start of tomorrow and the end of the seven days after today, in the
    clinic's zone. Seven days, not "until Sunday": on a Sunday the calendar week has no day left,
    and Monday morning's sessions are exactly what a clinician wants to see."""
    zone = clinic_zone()
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time.min, tzinfo=zone)
    tomorrow = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    week_end = datetime.combine(today + timedelta(days=8), time.min, tzinfo=zone)
    return start, tomorrow, week_end


# --- Pages --------------------------------------------------------------------------------------


@require_safe
@medical_staff_required
@reads_in_one_transaction
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    clinician = clinician_of(request.user)
    scope = scope_of(request.user)
    visible = {"everyone": scope.everyone, "clinician_id": scope.clinician_id}
    urgent_before = now + timedelta(hours=settings.CLINICAL_REVIEW_URGENT_HOURS)
    awaiting = dashboard_lists.awaiting_review.rows(**visible)
    for plan in awaiting:
        plan.is_urgent = plan.first_visit is not None and plan.first_visit <= urgent_before
    start, tomorrow, week_end = _today_and_week(now)
    sessions = dashboard_lists.sessions_between.rows(
        everyone=scope.everyone,
        clinician_id=clinician.pk if clinician else None,
        start=start,
        end=week_end,
    )
    return render(
        request,
        "clinical/dashboard.html",
        {
            "urgent_follow_ups": dashboard_lists.urgent_follow_ups.rows(**visible),
            "awaiting": awaiting,
            "today": [s for s in sessions if s.start < tomorrow],
            "later_this_week": [s for s in sessions if s.start >= tomorrow],
            "now": now,
            "urgent_hours": settings.CLINICAL_REVIEW_URGENT_HOURS,
            "sees_everyone": scope.everyone,
            "clinician": clinician,
            "recommendations": (  # issue 18
                dashboard_lists.recommendations_by.rows(clinician_id=clinician.pk)
                if clinician
                else []
            ),
        },
    )


@require_safe
@medical_staff_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_for(request, plan_id)
    return _render_plan(request, plan, ReviewForm())


def _render_plan(
    request: HttpRequest, plan: Plan, review_form: ReviewForm, status: int = 200
) -> HttpResponse:
    appointments = list(
        plan.appointments.select_related("clinician", "device", "treatment_record").order_by(
            "start"
        )
    )
    # Flagged answers first, then in the order the patient answered them.
    answers = sorted(
        plan.screening_answers.all(), key=lambda answer: (not answer.is_flagged, answer.position)
    )
    earlier_plans = list(
        plans_visible_to(request.user)
        .filter(patient=plan.patient)
        .exclude(pk=plan.pk)
        .select_related("protocol", "clinician")
        .order_by("-created_at")
    )
    records = list(
        TreatmentRecord.objects.for_listing()
        .filter(appointment__plan__patient=plan.patient)
        .order_by("-appointment__start")
    )
    outcome = CourseOutcome.objects.filter(plan=plan).select_related("rated_by").first()
    if outcome is not None and (outcome.answered_at or outcome.clinician_impression):
        audit_record(request=request, object_type=AuditObject.OUTCOME, object_ids=[outcome.pk])
    if answers:
        audit_record(request=request, object_type=AuditObject.SCREENING, object_ids=[plan.pk])
    audit_record(
        request=request,
        object_type=AuditObject.TREATMENT_RECORD,
        object_ids=[record.pk for record in records],
    )
    return render(
        request,
        "clinical/plan_detail.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "appointments": appointments,
            "answers": answers,
            "flagged_count": sum(answer.is_flagged for answer in answers),
            "earlier_plans": earlier_plans,
            "records": records,
            "review_form": review_form,
            "can_review": plan.status == PlanStatus.AWAITING_REVIEW
            and clinician_of(request.user) is not None,
            "today": timezone.now().astimezone(clinic_zone()).date(),
            "outcome": outcome,
            "outcome_weeks": settings.OUTCOME_WEEKS_AFTER_COURSE,
            "rating_form": ClinicianRatingForm(
                initial={"clinician_impression": outcome.clinician_impression if outcome else None}
            )
            if plan.status == PlanStatus.COMPLETED and clinician_of(request.user) is not None
            else None,
        },
        status=status,
    )


@require_POST
@medical_staff_required
def plan_rating(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_for(request, plan_id)
    clinician = clinician_of(request.user)
    if clinician is None or plan.status != PlanStatus.COMPLETED:
        raise PermissionDenied
    form = ClinicianRatingForm(request.POST)
    if form.is_valid():
        outcome = aftercare.outcome_rate(
            plan=plan, clinician=clinician, impression=form.cleaned_data["clinician_impression"]
        )
        audit_record(
            request=request,
            object_type=AuditObject.OUTCOME,
            object_ids=[outcome.pk],
            action=AuditAction.UPDATE,
        )
        messages.success(request, _("Your rating is saved."))
    return redirect("clinical:plan-detail", plan_id=plan.pk)


@require_POST
@medical_staff_required
def plan_review(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_for(request, plan_id)
    clinician = clinician_of(request.user)
    if clinician is None:
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render_plan(request, plan, form, status=400)
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == APPROVE:
            services.plan_approve(plan=plan, reviewer=clinician, note=note)
            action, text = AuditAction.APPROVE, _("The plan is approved; the patient is emailed.")
        else:
            services.plan_decline(plan=plan, reviewer=clinician, note=note)
            action, text = (
                AuditAction.DECLINE,
                _("The plan is declined and its times are free again; the patient is emailed."),
            )
    except BookingError as error:
        messages.error(request, error.message)
        return redirect("clinical:plan-detail", plan_id=plan.pk)
    audit_record(request=request, object_type=AuditObject.PLAN, object_ids=[plan.pk], action=action)
    messages.success(request, text)
    return redirect("clinical:plan-detail", plan_id=plan.pk)


@require_safe
@medical_staff_required
def session_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment_for(request, appointment_id)
    record = _record_of(appointment)
    # A session is recorded once it has started; a record can be corrected later.
    editing = (record is None and appointment.start <= timezone.now()) or (
        record is not None and request.GET.get("edit") == "1"
    )
    form = None
    if editing and _may_write_record(request, appointment, record):
        form = TreatmentRecordForm(instance=record, appointment=appointment)
    return _render_session(request, appointment, record_form=form, photo_form=PhotoForm())


def _record_of(appointment: Appointment) -> TreatmentRecord | None:
    try:
        record = appointment.treatment_record
    except TreatmentRecord.DoesNotExist:
        return None
    # A bound form's unsaved record is cached on the appointment too: it is not a record yet.
    return record if record.pk is not None else None


def _may_write_record(
    request: HttpRequest, appointment: Appointment, record: TreatmentRecord | None
) -> bool:
    """The clinician who treated (or a clinic manager who is a clinician) writes the record."""
    clinician = clinician_of(request.user)
    if clinician is None or appointment.kind != AppointmentKind.SESSION:
        return False
    if record is None:
        allowed = request.user.has_perm("clinical.add_treatmentrecord")
        treated = appointment.clinician_id == clinician.pk
    else:
        allowed = request.user.has_perm("clinical.change_treatmentrecord")
        treated = record.recorded_by_id == clinician.pk
    return allowed and (treated or sees_every_patient(request.user))


def _render_session(
    request: HttpRequest,
    appointment: Appointment,
    *,
    record_form: TreatmentRecordForm | None,
    photo_form: PhotoForm | None,
    event_form: AdverseEventForm | None = None,
    status: int = 200,
) -> HttpResponse:
    record = _record_of(appointment)
    # Per area, "before" ahead of "after".
    photos = list(Photo.objects.filter(appointment=appointment).order_by("area", "-kind", "pk"))
    follow_up = FollowUp.objects.filter(appointment=appointment).first()
    if follow_up is not None and follow_up.answered_at is not None:
        audit_record(request=request, object_type=AuditObject.FOLLOW_UP, object_ids=[follow_up.pk])
    events = list(AdverseEvent.objects.filter(appointment=appointment).select_related("lot"))
    audit_record(
        request=request,
        object_type=AuditObject.ADVERSE_EVENT,
        object_ids=[event.pk for event in events],
    )
    versions = []
    if record is not None:
        audit_record(
            request=request, object_type=AuditObject.TREATMENT_RECORD, object_ids=[record.pk]
        )
        versions = _record_versions(record)
    not_started = appointment.start > timezone.now()
    may_add_photo = (
        request.user.has_perm("clinical.add_photo")
        and clinician_of(request.user) is not None
        and appointment.kind == AppointmentKind.SESSION
        and appointment.status != AppointmentStatus.CANCELLED
    )
    return render(
        request,
        "clinical/session_detail.html",
        {
            "appointment": appointment,
            "plan": appointment.plan,
            "record": record,
            "record_form": record_form,
            "may_edit_record": record is not None
            and _may_write_record(request, appointment, record),
            "photos": photos,
            "photo_form": photo_form if may_add_photo and not not_started else None,
            # Said instead of the form, to the clinician who may add photos once it starts.
            "photos_later": may_add_photo and not_started,
            "may_view_photos": request.user.has_perm("clinical.view_photo"),
            "not_started": not_started,
            "versions": versions,
            "follow_up": follow_up,
            "adverse_events": events,
            "event_form": event_form
            if event_form is not None
            else _event_form(appointment, follow_up, request),
            "may_record_event": clinician_of(request.user) is not None
            and appointment.kind == AppointmentKind.SESSION
            and appointment.status == AppointmentStatus.COMPLETED,
        },
        status=status,
    )


def _event_form(
    appointment: Appointment, follow_up: FollowUp | None, request: HttpRequest
) -> AdverseEventForm:
    """An empty form, or one prefilled from the follow-up the clinician is confirming."""
    initial: dict[str, object] = {"onset": timezone.localdate()}
    if request.GET.get("from_follow_up") == "1" and follow_up and follow_up.answered_at:
        reported = [
            f"{question}: {answer}"
            for name, question, answer in follow_up.symptom_answers()
            if getattr(follow_up, name) not in ("", SymptomLevel.NONE)
        ]
        levels = {getattr(follow_up, name) for name in SYMPTOMS}
        initial.update(
            {
                "onset": follow_up.answered_at.astimezone(clinic_zone()).date(),
                "description": "; ".join(reported)
                + (f". {follow_up.comment}" if follow_up.comment else ""),
                "severity": Severity.SEVERE
                if SymptomLevel.SEVERE in levels
                else Severity.MODERATE
                if SymptomLevel.MODERATE in levels
                else Severity.MILD,
            }
        )
    return AdverseEventForm(initial=initial, prefix="event")


# What a version of a record shows of what changed (free text included: the clinician reads it).
_VERSIONED_FIELDS = (
    "lot_number",
    "product_name",
    "expiry_date",
    "quantity_used",
    "needle_depth_mm",
    "energy_mj",
    "density_percent",
    "passes",
    "areas",
    "reactions",
    "notes",
)


def _record_versions(record: TreatmentRecord) -> list[dict[str, object]]:
    """Each saved version, newest first, with the fields that differ from the one before it.

    Shown on the session page (already audited as a read of the record), in one query.
    """
    versions = list(
        record.history.select_related("history_user__clinician").order_by(
            "history_date", "history_id"
        )
    )
    rows = []
    previous = None
    for version in versions:
        changes = []
        for name in _VERSIONED_FIELDS:
            new = getattr(version, name)
            old = getattr(previous, name) if previous is not None else None
            if previous is None or old != new:
                label = TreatmentRecord._meta.get_field(name).verbose_name
                changes.append({"field": label, "old": old, "new": new})
        user = version.history_user
        who = ""
        if user is not None:
            who = (
                getattr(getattr(user, "clinician", None), "display_name", "") or user.get_username()
            )
        rows.append(
            {
                "at": version.history_date,
                "who": who,
                "created": previous is None,
                "changes": changes if previous is not None else [],
            }
        )
        previous = version
    return list(reversed(rows))


@require_POST
@medical_staff_required
def session_record(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment_for(request, appointment_id)
    record = _record_of(appointment)
    if not _may_write_record(request, appointment, record):
        raise PermissionDenied
    form = TreatmentRecordForm(request.POST, instance=record, appointment=appointment)
    if not form.is_valid():
        return _render_session(
            request, appointment, record_form=form, photo_form=PhotoForm(), status=400
        )
    details = services.TreatmentDetails.from_form(form.cleaned_data)
    try:
        if record is None:
            record = services.treatment_record_complete(
                appointment=appointment, clinician=clinician_of(request.user), details=details
            )
            action, text = AuditAction.CREATE, _("Treatment recorded; the session is completed.")
        else:
            record = services.treatment_record_update(
                record=record, details=details, changed_by=clinician_of(request.user)
            )
            action, text = AuditAction.UPDATE, _("The treatment record is updated.")
    except BookingError as error:
        form.add_error(None, error.message)
        return _render_session(
            request, appointment, record_form=form, photo_form=PhotoForm(), status=400
        )
    audit_record(
        request=request,
        object_type=AuditObject.TREATMENT_RECORD,
        object_ids=[record.pk],
        action=action,
    )
    messages.success(request, text)
    return redirect("clinical:session-detail", appointment_id=appointment.pk)


@require_POST
@medical_staff_required
def follow_up_handled(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment_for(request, appointment_id)
    clinician = clinician_of(request.user)
    if clinician is None:
        raise PermissionDenied
    follow_up = get_object_or_404(FollowUp, appointment=appointment)
    aftercare.urgent_seen(follow_up=follow_up, clinician=clinician)
    audit_record(
        request=request,
        object_type=AuditObject.FOLLOW_UP,
        object_ids=[follow_up.pk],
        action=AuditAction.UPDATE,
    )
    messages.success(request, _("The urgent item is marked as handled."))
    return redirect("clinical:session-detail", appointment_id=appointment.pk)


@require_POST
@medical_staff_required
def adverse_event_add(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment_for(request, appointment_id)
    clinician = clinician_of(request.user)
    if clinician is None or appointment.status != AppointmentStatus.COMPLETED:
        raise PermissionDenied
    form = AdverseEventForm(request.POST, prefix="event")
    follow_up = None
    if request.POST.get("follow_up") == "1":
        follow_up = FollowUp.objects.filter(
            appointment=appointment, answered_at__isnull=False, adverse_event__isnull=True
        ).first()
    if not form.is_valid():
        return _render_session(
            request,
            appointment,
            record_form=None,
            photo_form=PhotoForm(),
            event_form=form,
            status=400,
        )
    event = aftercare.adverse_event_record(
        appointment=appointment,
        clinician=clinician,
        details=form.cleaned_data,
        follow_up=follow_up,
    )
    audit_record(
        request=request,
        object_type=AuditObject.ADVERSE_EVENT,
        object_ids=[event.pk],
        action=AuditAction.CREATE,
    )
    messages.success(request, _("The adverse event is recorded."))
    return redirect("clinical:adverse-event", event_id=event.pk)


@require_safe
@medical_staff_required
def adverse_event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    """The event as a printable summary; a serious one says where it must be reported."""
    event = get_object_or_404(
        AdverseEvent.objects.filter(
            appointment__in=appointments_visible_to(request.user)
        ).select_related(
            "appointment__plan__patient",
            "appointment__plan__protocol",
            "appointment__clinician",
            "appointment__treatment_record",
            "lot__product",
            "reported_by",
        ),
        pk=event_id,
    )
    audit_record(request=request, object_type=AuditObject.ADVERSE_EVENT, object_ids=[event.pk])
    return render(request, "clinical/adverse_event.html", {"event": event})


@require_POST
@medical_staff_required
def session_photo_add(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment_for(request, appointment_id)
    clinician = clinician_of(request.user)
    if not request.user.has_perm("clinical.add_photo") or clinician is None:
        raise PermissionDenied
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["image"]
        try:
            photo = services.photo_add(
                appointment=appointment,
                clinician=clinician,
                kind=form.cleaned_data["kind"],
                area=form.cleaned_data["area"],
                upload=upload,
                size=upload.size,
            )
        except PhotoRejected as error:
            form.add_error("image", error.message)
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            audit_record(
                request=request,
                object_type=AuditObject.PHOTO,
                object_ids=[photo.pk],
                action=AuditAction.CREATE,
            )
            messages.success(request, _("The photo is saved."))
            return redirect("clinical:session-detail", appointment_id=appointment.pk)
    record = _record_of(appointment)
    record_form = None
    if record is None and _may_write_record(request, appointment, record):
        record_form = TreatmentRecordForm(appointment=appointment)
    return _render_session(
        request, appointment, record_form=record_form, photo_form=form, status=400
    )


@require_safe
def photo_file(request: HttpRequest, photo_id: int, variant: str) -> FileResponse:
    """The only way to a photo. Anyone not allowed — anonymous, reception, another clinician —
    gets the same 404, so a guessed address does not even say that a photo exists."""
    if not (can_see_medical_data(request.user) and request.user.has_perm("clinical.view_photo")):
        raise Http404
    photo = get_object_or_404(
        Photo.objects.filter(appointment__in=appointments_visible_to(request.user)), pk=photo_id
    )
    stored = photo.thumbnail if variant == "thumb" else photo.image
    try:
        # The configured storage (not the one the field captured at import), so a settings
        # change such as a move to object storage is all it takes.
        handle = photo_storage().open(stored.name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    audit_record(request=request, object_type=AuditObject.PHOTO, object_ids=[photo.pk])
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}-{variant}.jpg"'
    return response


@require_safe
@medical_staff_required
def plan_photos(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Before and after side by side, per area: the first "before" of the course beside its
    latest "after"."""
    plan = _plan_for(request, plan_id)
    if not request.user.has_perm("clinical.view_photo"):
        raise Http404
    photos = list(
        Photo.objects.filter(appointment__plan=plan)
        .select_related("appointment")
        .order_by("appointment__start", "uploaded_at", "pk")
    )
    labels = dict(TreatmentArea.choices)
    areas: dict[str, dict[str, Photo | None]] = {}
    for photo in photos:
        pair = areas.setdefault(photo.area, {"before": None, "after": None})
        if photo.kind == PhotoKind.BEFORE and pair["before"] is None:
            pair["before"] = photo
        elif photo.kind == PhotoKind.AFTER:
            pair["after"] = photo
    return render(
        request,
        "clinical/plan_photos.html",
        {
            "plan": plan,
            "pairs": [
                {"area": labels.get(area, area), **pair} for area, pair in sorted(areas.items())
            ],
            "photos": photos,
        },
    )


PHONE = re.compile(r"\+[\d ()/.-]+")

CSV_COLUMNS = (
    "lot_number",
    "product_name",
    "expiry_date",
    "session_date",
    "session",
    "patient",
    "date_of_birth",
    "patient_email",
    "patient_phone",
    "protocol",
    "clinician",
)


@require_safe
@medical_staff_required
def lot_recall(request: HttpRequest) -> HttpResponse:
    """Which patients and sessions received lot X: one page, or CSV for the supplier's recall.

    Numbers match however they are typed (no case, spaces or dashes). A clinician sees the
    sessions of their own patients and is told how many more exist outside their scope, never
    which; a clinic manager sees them all.
    """
    if not request.user.has_perm("clinical.view_treatmentrecord"):
        raise PermissionDenied
    form = LotSearchForm(request.GET or None)
    records: list[TreatmentRecord] = []
    lots: list[Lot] = []
    lot = ""
    hidden = 0
    if form.is_valid():
        lot = normalise_lot(form.cleaned_data["lot"])
        matching = TreatmentRecord.objects.with_lot(lot)
        records = list(
            matching.for_listing()
            .filter(appointment__in=appointments_visible_to(request.user))
            .order_by("appointment__start", "pk")
        )
        hidden = matching.count() - len(records)
        lots = list(Lot.objects.matching(lot).select_related("product").order_by("pk"))
        if lots:
            lot = lots[0].lot_number  # as printed on the label, not as typed in the search
        exporting = request.GET.get("format") == "csv"
        audit_record(
            request=request,
            object_type=AuditObject.TREATMENT_RECORD,
            object_ids=[record.pk for record in records],
            action=AuditAction.EXPORT if exporting else AuditAction.VIEW,
        )
        if exporting:
            return _lot_csv(lot, records)
    return render(
        request,
        "clinical/lot_recall.html",
        {
            "form": form,
            "lot": lot,
            "lots": lots,
            "records": records,
            "hidden": hidden,
            "sees_everyone": sees_every_patient(request.user),
            "csv_url": _lot_csv_url(lot) if lot else "",
        },
    )


def _manager_only(request: HttpRequest) -> None:
    if not sees_every_patient(request.user):
        raise PermissionDenied


@require_safe
@medical_staff_required
def lot_detail(request: HttpRequest, lot_id: int) -> HttpResponse:
    """One lot for a clinic manager: its sessions, the recall and the notice to its patients."""
    _manager_only(request)
    lot = get_object_or_404(Lot.objects.select_related("product", "recalled_by"), pk=lot_id)
    return _render_lot(
        request, lot, RecallForm(), RecallNoticeForm(texts=recall.recall_texts(lot=lot))
    )


def _render_lot(
    request: HttpRequest,
    lot: Lot,
    recall_form: RecallForm,
    notice_form: RecallNoticeForm,
    status: int = 200,
) -> HttpResponse:
    records = list(recall.lot_exposure(lot=lot))
    audit_record(request=request, object_type=AuditObject.LOT, object_ids=[lot.pk])
    audit_record(
        request=request,
        object_type=AuditObject.TREATMENT_RECORD,
        object_ids=[record.pk for record in records],
    )
    notified = set(lot.recall_notices.values_list("patient_id", flat=True))
    patients = {record.appointment.plan.patient_id for record in records}
    return render(
        request,
        "clinical/lot_detail.html",
        {
            "lot": lot,
            "records": records,
            "patient_count": len(patients),
            "notified": notified,
            "to_notify": len(
                [
                    p
                    for p in {r.appointment.plan.patient for r in records}
                    if p.pk not in notified and p.email
                ]
            ),
            "recall_form": recall_form,
            "notice_form": notice_form,
            "csv_url": _lot_csv_url(lot.lot_number),
        },
        status=status,
    )


@require_POST
@medical_staff_required
def lot_recall_mark(request: HttpRequest, lot_id: int) -> HttpResponse:
    _manager_only(request)
    lot = get_object_or_404(Lot.objects.select_related("product"), pk=lot_id)
    form = RecallForm(request.POST)
    if form.is_valid():
        try:
            recall.lot_recall(lot=lot, recalled_by=request.user, reason=form.cleaned_data["reason"])
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            audit_record(
                request=request,
                object_type=AuditObject.LOT,
                object_ids=[lot.pk],
                action=AuditAction.UPDATE,
            )
            messages.success(request, _("The lot is recalled; it can no longer be recorded."))
            return redirect("clinical:lot-detail", lot_id=lot.pk)
    return _render_lot(
        request, lot, form, RecallNoticeForm(texts=recall.recall_texts(lot=lot)), status=400
    )


@require_POST
@medical_staff_required
def lot_notices_send(request: HttpRequest, lot_id: int) -> HttpResponse:
    _manager_only(request)
    lot = get_object_or_404(Lot.objects.select_related("product"), pk=lot_id)
    form = RecallNoticeForm(request.POST, texts=recall.recall_texts(lot=lot))
    if form.is_valid():
        try:
            queued = recall.recall_notices_send(lot=lot, sent_by=request.user, texts=form.texts())
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            audit_record(
                request=request,
                object_type=AuditObject.LOT,
                object_ids=[lot.pk],
                action=AuditAction.EXPORT,
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s recall notice is queued; nobody is emailed twice.",
                    "%(count)s recall notices are queued; nobody is emailed twice.",
                    queued,
                )
                % {"count": queued},
            )
            return redirect("clinical:lot-detail", lot_id=lot.pk)
    return _render_lot(request, lot, RecallForm(), form, status=400)


def _lot_csv_url(lot: str) -> str:
    return f"{reverse('clinical:lot-recall')}?{urlencode({'lot': lot, 'format': 'csv'})}"


def _lot_csv(lot: str, records: list[TreatmentRecord]) -> HttpResponse:
    zone = clinic_zone()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    safe_lot = "".join(c for c in lot if c.isalnum() or c in "-_") or "lot"
    response["Content-Disposition"] = f'attachment; filename="lot-{safe_lot}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        appointment = record.appointment
        patient = appointment.plan.patient
        writer.writerow(
            _csv_safe(value)
            for value in (
                record.lot_number,
                record.product_name,
                record.expiry_date.isoformat(),
                appointment.start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                appointment.sequence,
                patient.full_name,
                patient.date_of_birth.isoformat(),
                patient.email,
                patient.phone,
                appointment.plan.title,
                appointment.clinician.display_name,
            )
        )
    return response


def _csv_safe(value: object) -> str:
    """A cell a spreadsheet would run as a formula ("=…", "+…", "-…", "@…") is quoted."""
    text = str(value)
    if PHONE.fullmatch(text):
        return text  # "+49 30 …" is a phone number, not a formula
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


OUTCOME_CSV_COLUMNS = (
    "group",
    "name",
    "patients",
    "sessions",
    "follow_ups_sent",
    "follow_ups_answered",
    "sessions_with_adverse_event",
    "adverse_events",
    "serious_adverse_events",
    "adverse_event_sessions_per_100",
    "ci95_low",
    "ci95_high",
    "outcome_answers",
    "would_have_it_again",
)


@require_safe
@medical_staff_required
def outcomes(request: HttpRequest) -> HttpResponse:
    """Outcomes per protocol and per lot, for clinicians and managers: aggregates only."""
    by_protocol = outcomes_by("protocol")
    by_lot = outcomes_by("lot")
    suppress_complements(by_protocol, by_lot)
    if request.GET.get("format") == "csv":
        return _outcomes_csv(by_protocol, by_lot)
    return render(
        request,
        "clinical/outcomes.html",
        {
            "by_protocol": by_protocol,
            "by_lot": by_lot,
            "min_patients": MIN_GROUP_PATIENTS,
            "protocol_event_chart": charts.event_rate_chart(
                "events-protocol",
                _("Sessions with an adverse event per 100, by protocol"),
                by_protocol,
            ),
            "lot_event_chart": charts.event_rate_chart(
                "events-lot", _("Sessions with an adverse event per 100, by lot"), by_lot
            ),
            "protocol_impression_chart": charts.impression_chart(
                "impression-protocol", _("Patients' impression of change, by protocol"), by_protocol
            ),
        },
    )


def _outcomes_csv(*dimensions: list) -> HttpResponse:
    """Suppressed groups carry their name and "<5" only, as on the page."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="outcomes.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(OUTCOME_CSV_COLUMNS)
    for name, groups in zip(("protocol", "lot"), dimensions, strict=True):
        for group in groups:
            if group.suppressed:
                hidden = "hidden" if group.complement else "<5"
                writer.writerow([name, _csv_safe(group.label), hidden, *[""] * 11])
                continue
            low, high = group.event_interval
            # As on the page: under 5 outcome answers, "would have it again" is not shown (0 of 1
            # tells what the one patient said).
            answers, again = (
                (group.answers, group.would_again)
                if group.answers >= MIN_GROUP_PATIENTS
                else ("<5", "")
            )
            writer.writerow(
                [
                    name,
                    _csv_safe(group.label),
                    group.patients,
                    group.sessions,
                    group.follow_ups_sent,
                    group.follow_ups_answered,
                    group.sessions_with_event,
                    group.events,
                    group.serious_events,
                    f"{group.event_rate:.1f}",
                    f"{low:.1f}",
                    f"{high:.1f}",
                    answers,
                    again,
                ]
            )
    return response
