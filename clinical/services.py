"""Clinical workflows: reviewing a plan, recording a treatment, adding a photo.

Plan decisions go through the booking engine (`engine.services.plan_confirm` / `plan_decline`:
they lock the plan, free the times of a declined plan and record who decided and when); this
module adds the rules of a review — only a plan awaiting review can be decided, once — and the
patient's email, queued in the same transaction so that a decision rolled back sends nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bookings.engine import services as booking_services
from bookings.engine.errors import BookingError, InvalidPlanState
from bookings.engine.locks import booking_transaction, lock_appointment
from bookings.engine.notices import PLAN_APPROVED, PLAN_DECLINED, notice_send
from bookings.engine.placing import plan_require_consent
from bookings.engine.rules import clinic_zone
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Clinician,
    Plan,
    PlanStatus,
)
from clinical.models import Lot, LotStatus, Photo, TreatmentRecord
from clinical.photos import photo_process, photo_storage_save


class ReviewRefused(BookingError):
    default_message = _("This plan cannot be reviewed.")


class RecordRefused(BookingError):
    default_message = _("This treatment cannot be recorded.")


# --- Review ----------------------------------------------------------------------------------


def plan_approve(
    *, plan: Plan, reviewer: Clinician, note: str = "", now: datetime | None = None
) -> Plan:
    """Approve a plan awaiting review: it is confirmed and the patient is emailed."""
    return _decide(plan, reviewer, note.strip(), now, booking_services.plan_confirm, PLAN_APPROVED)


def plan_decline(
    *, plan: Plan, reviewer: Clinician, note: str, now: datetime | None = None
) -> Plan:
    """Decline a plan awaiting review (a note is required): its times are freed, the patient
    is emailed."""
    if not note.strip():
        raise ReviewRefused(_("Please write why the plan is declined."))
    return _decide(plan, reviewer, note.strip(), now, booking_services.plan_decline, PLAN_DECLINED)


def _decide(
    plan: Plan,
    reviewer: Clinician,
    note: str,
    now: datetime | None,
    decision: Callable[..., Plan],
    template: str,
) -> Plan:
    """Run the engine's decision (its own locked transaction), then queue the patient's email.

    The engine locks the plan, so of two clinicians deciding at once one waits for the other.
    It treats a second approval as a no-op, so the decision is ours only if the plan now carries
    our reviewer and our time; otherwise someone decided first and nothing is sent.
    """
    now = now or timezone.now()
    _refuse_unless_awaiting_review(plan.pk)
    try:
        decided = decision(plan=plan, reviewer=reviewer, note=note, now=now)
    except InvalidPlanState:
        _refuse_unless_awaiting_review(plan.pk)
        raise
    if decided.reviewed_by_id != reviewer.pk or decided.reviewed_at != now:
        _refuse_unless_awaiting_review(plan.pk)
    # The engine's transaction has committed the decision; the email is queued right after it,
    # in its own transaction (sent by the tasks worker once this commits).
    with transaction.atomic():
        notice_send(template, plan=decided)
    return decided


def _refuse_unless_awaiting_review(plan_id: int) -> None:
    """Refuse a decision on a plan that is not awaiting review, saying who decided and when."""
    current = Plan.objects.select_related("reviewed_by").get(pk=plan_id)
    if current.status == PlanStatus.AWAITING_REVIEW:
        return
    if current.reviewed_at is not None:
        # A reviewer is recorded only by an approval or a decline; a declined plan stays declined.
        # Whole sentences per decision: a lower-cased status label is wrong in some languages
        # (Turkish "İptal edildi" would gain a stray dot).
        if current.status == PlanStatus.DECLINED:
            message = _(
                "This plan was already declined by %(who)s on %(when)s. Nothing was changed."
            )
        else:
            message = _(
                "This plan was already approved by %(who)s on %(when)s. Nothing was changed."
            )
        raise ReviewRefused(
            message
            % {
                "who": current.reviewed_by or _("another clinician"),
                "when": date_format(
                    current.reviewed_at.astimezone(clinic_zone()), "DATETIME_FORMAT"
                ),
            }
        )
    raise ReviewRefused(
        _("This plan is not awaiting review (its status is “%(status)s”). Nothing was changed.")
        % {"status": current.get_status_display()}
    )


# --- Treatment records -----------------------------------------------------------------------


@dataclass(frozen=True)
class TreatmentDetails:
    lot: Lot
    areas: list[str]
    quantity_used: int = 1
    needle_depth_mm: Decimal | None = None
    energy_mj: Decimal | None = None
    density_percent: int | None = None
    passes: int | None = None
    reactions: str = ""
    notes: str = ""

    @classmethod
    def from_form(cls, data: dict) -> TreatmentDetails:
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})


def treatment_record_complete(
    *,
    appointment: Appointment,
    clinician: Clinician,
    details: TreatmentDetails,
    now: datetime | None = None,
) -> TreatmentRecord:
    """Record what was done in a session and complete the session (and the course, when it
    was its last visit)."""
    now = now or timezone.now()

    with booking_transaction():
        # The engine's lock and transaction: the appointment's stored plan (never the caller's
        # `plan_id`), FOR NO KEY UPDATE of the plan row, lock waits answered with ClinicBusy.
        plan, current = lock_appointment(appointment.pk)
        if current.kind != AppointmentKind.SESSION:
            raise RecordRefused(_("Treatment records are kept for sessions only."))
        if TreatmentRecord.objects.filter(appointment=current).exists():
            raise RecordRefused(_("This session already has a treatment record."))
        if plan.status != PlanStatus.CONFIRMED or current.status not in (
            AppointmentStatus.BOOKED,
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.IN_TREATMENT,
        ):
            raise RecordRefused(
                _(
                    "This session's status is “%(status)s”; only a confirmed, open session can "
                    "be recorded."
                )
                % {"status": current.get_status_display()}
            )
        if current.start > now:
            raise RecordRefused(_("This session has not started yet."))
        plan_require_consent(plan)  # no treatment without the patient's consent
        current.plan = plan
        record = TreatmentRecord(appointment=current, recorded_by=clinician)
        _apply(record, details, changed_by=clinician)
        try:
            record.save()
        except IntegrityError as error:
            raise RecordRefused(_("This session already has a treatment record.")) from error
        current.status = AppointmentStatus.COMPLETED
        current.save(update_fields=["status", "updated_at"])
        booking_services.plan_complete_if_finished(plan=plan)
        return record


def treatment_record_update(
    *, record: TreatmentRecord, details: TreatmentDetails, changed_by: Clinician | None = None
) -> TreatmentRecord:
    """Correct a record (the same rules as when it was written). The version it replaces stays
    in the record's history, with who changed it."""
    with transaction.atomic():
        locked = (
            TreatmentRecord.objects.select_for_update(of=("self",))
            .select_related("appointment__plan__protocol", "appointment__plan__patient")
            .get(pk=record.pk)
        )
        _apply(locked, details, changed_by=changed_by)
        locked.save()
    return locked


def _apply(
    record: TreatmentRecord, details: TreatmentDetails, *, changed_by: Clinician | None
) -> None:
    previous_lot_id = record.lot_id if record.pk else None
    for name, value in details.__dict__.items():
        setattr(record, name, value)
    if details.lot.pk != previous_lot_id:
        # A lot is checked when it is chosen; correcting the notes of a session whose lot was
        # recalled since must stay possible (and must keep that lot).
        lot = (
            Lot.objects.select_for_update(of=("self",))
            .select_related("product")
            .get(pk=details.lot.pk)
        )
        _refuse_unusable_lot(lot, record.appointment)
        record.lot = lot
    lot = record.lot
    # What was on the label, kept with the session whatever happens to the lot row later.
    record.product_name = lot.product.name
    record.lot_number = lot.lot_number
    record.expiry_date = lot.expiry_date
    if changed_by is not None:
        record._history_user = changed_by.user
    try:
        record.full_clean(exclude=["appointment", "recorded_by", "lot"])
    except ValidationError as error:
        raise RecordRefused(" ".join(error.messages)) from error


def _refuse_unusable_lot(lot: Lot, appointment: Appointment) -> None:
    patient_id = appointment.plan.patient_id
    session_day = appointment.start.astimezone(clinic_zone()).date()
    if lot.status == LotStatus.RECALLED:
        raise RecordRefused(_("Lot %(lot)s is recalled. Do not use it.") % {"lot": lot.lot_number})
    if lot.status == LotStatus.QUARANTINED:
        raise RecordRefused(
            _("Lot %(lot)s is quarantined. Do not use it.") % {"lot": lot.lot_number}
        )
    if lot.expiry_date < session_day:
        raise RecordRefused(
            _("Lot %(lot)s expired on %(date)s, before the session. Do not use it.")
            % {"lot": lot.lot_number, "date": lot.expiry_date.isoformat()}
        )
    if lot.patient_id is not None and lot.patient_id != patient_id:
        raise RecordRefused(
            _(
                "Lot %(lot)s was made from another patient's own blood or fat. It can never be "
                "used for anyone else."
            )
            % {"lot": lot.lot_number}
        )
    if lot.product.is_own_source and lot.patient_id is None:
        raise RecordRefused(
            _("Lot %(lot)s has no patient; an own-source lot must name its patient.")
            % {"lot": lot.lot_number}
        )


# --- Photos ----------------------------------------------------------------------------------


def photo_add(
    *,
    appointment: Appointment,
    clinician: Clinician,
    kind: str,
    area: str,
    upload: IO[bytes],
    size: int | None = None,
    now: datetime | None = None,
) -> Photo:
    """Check, clean and store one photo of a session. Raises PhotoRejected with a message."""
    now = now or timezone.now()
    if appointment.kind != AppointmentKind.SESSION or appointment.status == (
        AppointmentStatus.CANCELLED
    ):
        raise InvalidPlanState(_("Photos are kept for sessions that took place."))
    if appointment.start > now:
        # A photo of a session still to come would be filed as that session's "before" picture
        # although it was taken some other day (the same rule as the treatment record).
        raise InvalidPlanState(_("Photos can be added once the session has started."))
    processed = photo_process(upload, size=size)
    image_name = photo_storage_save(processed.image)
    thumbnail_name = photo_storage_save(processed.thumbnail)
    try:
        return Photo.objects.create(
            appointment=appointment,
            taken_by=clinician,
            kind=kind,
            area=area,
            image=image_name,
            thumbnail=thumbnail_name,
            width=processed.width,
            height=processed.height,
        )
    except Exception:
        # No row points at the files: do not leave medical pictures behind.
        from clinical.models import photo_storage

        for name in (image_name, thumbnail_name):
            with contextlib.suppress(OSError):
                photo_storage().delete(name)
        raise
