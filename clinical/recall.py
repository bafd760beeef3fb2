"""Recalling a lot: block its use, list who received it, and tell them once.

A clinic manager recalls a lot with a reason (`lot_recall`): from then on no treatment record can
choose it (`clinical.services._refuse_unusable_lot`, which locks the lot row, so a record being
saved at the same moment either committed first and is listed, or is refused). The exposed
sessions are every treatment record of the lot. `recall_notices_send` queues one email per
exposed patient through the bookings outbox; the `RecallNotice` row, unique per lot and patient,
is the claim — a second click, or two managers at once, cannot email anyone twice.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookings.engine.errors import BookingError
from bookings.models import Patient
from bookings.notify.emails import email_patient
from clinical.models import Lot, LotStatus, RecallNotice, RecallText, TreatmentRecord


class RecallRefused(BookingError):
    default_message = _("This lot cannot be recalled.")


def lot_exposure(*, lot: Lot) -> QuerySet[TreatmentRecord]:
    """Every session that received the lot, with its patient, protocol and clinician."""
    return (
        TreatmentRecord.objects.for_listing().filter(lot=lot).order_by("appointment__start", "pk")
    )


def lot_recall(
    *, lot: Lot, recalled_by: AbstractBaseUser, reason: str, now: datetime | None = None
) -> Lot:
    """Mark the lot recalled (with the reason): it can no longer be chosen for a session."""
    if not reason.strip():
        raise RecallRefused(_("Please write why the lot is recalled."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = Lot.objects.select_for_update().get(pk=lot.pk)
        if locked.status == LotStatus.RECALLED:
            raise RecallRefused(_("This lot is already recalled."))
        locked.status = LotStatus.RECALLED
        locked.recall_reason = reason.strip()
        locked.recalled_at = now
        locked.recalled_by = recalled_by
        locked.save(update_fields=["status", "recall_reason", "recalled_at", "recalled_by"])
    return locked


def recall_text_default(*, lot: Lot, language: str) -> tuple[str, str]:
    """The notice's suggested subject and text in one language; the manager edits it."""
    with translation.override(language):
        subject = _("Important: a product used in your treatment has been recalled")
        body = render_to_string(
            "emails/lot_recall_default.txt",
            {
                "product": lot.product.name,
                "lot_number": lot.lot_number,
                "clinic_phone": settings.CLINIC_PHONE,
                "after_hours_phone": settings.CLINIC_AFTER_HOURS_PHONE,
            },
        ).strip()
    return subject, body


def recall_texts(*, lot: Lot) -> dict[str, tuple[str, str]]:
    """The saved texts per language, or the suggested ones where none was saved."""
    saved = {text.language: (text.subject, text.body) for text in lot.recall_texts.all()}
    return {
        code: saved.get(code) or recall_text_default(lot=lot, language=code)
        for code, _name in settings.LANGUAGES
    }


def recall_patients(*, lot: Lot) -> QuerySet[Patient]:
    return Patient.objects.filter(plans__appointments__treatment_record__lot=lot).distinct()


def recall_notices_send(
    *,
    lot: Lot,
    sent_by: AbstractBaseUser,
    texts: dict[str, tuple[str, str]],
    now: datetime | None = None,
) -> int:
    """Save the texts and queue the notice to every exposed patient not yet notified.

    Returns how many emails this call queued. Patients whose data was erased (no email) are
    skipped: the clinic can no longer reach them, which is what the erasure asked for.
    """
    now = now or timezone.now()
    if lot.status != LotStatus.RECALLED:
        raise RecallRefused(_("Recall the lot first; then its patients can be told."))
    for subject, body in texts.values():
        if not subject.strip() or not body.strip():
            raise RecallRefused(_("Every language needs a subject and a text."))
    queued = 0
    with transaction.atomic():
        for code, (subject, body) in texts.items():
            RecallText.objects.update_or_create(
                lot=lot, language=code, defaults={"subject": subject.strip(), "body": body.strip()}
            )
        for patient in recall_patients(lot=lot).exclude(email="").order_by("pk"):
            try:
                with transaction.atomic():
                    notice = RecallNotice.objects.create(
                        lot=lot, patient=patient, sent_by=sent_by, queued_at=now
                    )
            except IntegrityError:
                continue  # already told (an earlier click, or another manager just now)
            subject, body = texts.get(patient.preferred_language) or texts[settings.LANGUAGE_CODE]
            notice.email = email_patient(
                patient=patient,
                template="lot_recall",
                context={"subject": subject.strip(), "body": body.strip()},
            )
            notice.save(update_fields=["email"])
            queued += 1
    return queued
