"""Export and erasure of one patient's data (GDPR Art. 15, 17, 20), and the guest retention rule.

Everything personal hangs off `bookings.Patient` through foreign keys: plans, their appointments,
screening answers, manage links and emails, the appointments' treatment records, photos and
reminders. `patient_rows()` follows those relations generically (every reverse relation, however
deep), so a model added later is exported without a change here; `ERASURE` says, for every such
model, what erasure does to its rows, and tests/privacy/test_coverage.py fails while a model
reachable from a patient has no entry.

The retention rule (docs/privacy.md):

- A patient who was never treated (no treatment record) is deleted whole.
- A treated patient's identity, screening, emails, links, reminders, photos (files and
  thumbnails) and free-text notes are deleted; what the clinic must keep for product traceability
  — each session's date, protocol, clinician, procedure settings and the exosome product's name,
  lot number and expiry date — stays, attached to an anonymous patient row with no name, email,
  phone or real date of birth. Plans without a treatment record are deleted.
- An `ErasureRecord` keeps the trace: the patient number, when, why, by whom, and counts.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import serializers
from django.core.files.storage import Storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.engine.errors import NotFound
from bookings.engine.locks import booking_transaction, lock_patients, lock_plans
from bookings.models import (
    OutgoingEmail,
    Patient,
    Plan,
    PlanStatus,
)
from clinical.models import AdverseEvent, Lot, RecallText, TreatmentRecord
from privacy.models import ErasureReason, ErasureRecord

logger = logging.getLogger(__name__)

# A date of birth must be stored; after erasure it is this placeholder, which identifies no one.
ERASED_DATE_OF_BIRTH = date(1900, 1, 1)
ERASED_NAME = "—"


@dataclass(frozen=True)
class Erasure:
    """What erasing a patient does to the rows of one model."""

    action: str  # "delete", "anonymise" (kept without identity) or "keep_if_treated"
    why: str
    blank: tuple[str, ...] = ()  # free-text fields emptied on the rows that are kept
    files: tuple[str, ...] = ()  # file fields whose files are deleted with the rows


ERASURE: dict[str, Erasure] = {
    "bookings.patient": Erasure(
        "anonymise",
        "A treated patient's row stays as the anonymous owner of the kept treatment log; "
        "name, email, phone, date of birth and language are overwritten.",
    ),
    "bookings.plan": Erasure(
        "keep_if_treated",
        "A course with a treatment record stays (its sessions are the treatment log); "
        "others are deleted. The review note is free text and emptied.",
        blank=("review_note",),
    ),
    "bookings.appointment": Erasure(
        "keep_if_treated", "Dates, clinician and device of the sessions of a kept course."
    ),
    "clinical.treatmentrecord": Erasure(
        "anonymise",
        "Product, lot number, expiry date and settings stay for lot recall and product "
        "traceability; reactions and notes are free text and emptied.",
        blank=("reactions", "notes"),
    ),
    "clinical.photo": Erasure("delete", "Photos identify a person.", files=("image", "thumbnail")),
    "bookings.screeninganswer": Erasure("delete", "Health answers."),
    "bookings.outgoingemail": Erasure("delete", "Sent and queued emails (address, text)."),
    "bookings.managelink": Erasure("delete", "Links to the patient's plans."),
    "bookings.sentreminder": Erasure("delete", "Which reminders were sent to the patient."),
    "bookings.waitlistentry": Erasure("delete", "Waitlist requests (window, preferences)."),
    "bookings.waitlistoffer": Erasure("delete", "Freed times offered from the waitlist."),
    "bookings.consultationrequest": Erasure(
        "delete", "What the patient wanted to discuss at a consultation (topics, free text)."
    ),
    "bookings.recommendation": Erasure(
        "delete", "A clinician's recommendation to this patient (course, note, link)."
    ),
    "clinical.lot": Erasure(
        "anonymise",
        "A lot made from the patient's own blood or fat stays (product, lot number, expiry, "
        "status) as the anonymous patient's lot, for the lot's safety counts.",
        blank=("recall_reason",),
    ),
    "clinical.followup": Erasure(
        "delete", "Follow-up answers after a session (symptoms and the patient's words)."
    ),
    "clinical.followupstop": Erasure("delete", "The patient's wish for no more follow-ups."),
    "clinical.courseoutcome": Erasure("delete", "The patient's and clinician's outcome ratings."),
    "clinical.adverseevent": Erasure(
        "anonymise",
        "Onset date, severity, seriousness, outcome, relatedness, session and lot stay as the "
        "anonymous lot-level safety count; what happened is free text and emptied.",
        blank=("description",),
    ),
    "clinical.recallnotice": Erasure("delete", "Which recall notices were emailed to the patient."),
    "clinical.recalltext": Erasure(
        "anonymise", "The clinic's recall text for a lot (says nothing about the patient)."
    ),
}


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def patient_rows(patient: Patient) -> dict[str, list[models.Model]]:
    """The patient and every row that points to them, directly or through other rows.

    Follows every reverse foreign key and one-to-one relation from the patient outwards (plans,
    their appointments, the appointments' records and photos, …), each model once per level.
    """
    found: dict[str, dict[int, models.Model]] = {_label(Patient): {patient.pk: patient}}
    frontier: list[tuple[type[models.Model], list[int]]] = [(Patient, [patient.pk])]
    while frontier:
        model, pks = frontier.pop()
        for relation in model._meta.related_objects:
            if relation.many_to_many or not relation.field.concrete:
                continue
            related = relation.related_model
            rows = related._base_manager.filter(**{f"{relation.field.name}__in": pks})
            new = {row.pk: row for row in rows if row.pk not in found.get(_label(related), {})}
            if new:
                found.setdefault(_label(related), {}).update(new)
                frontier.append((related, list(new)))
    return {label: list(rows.values()) for label, rows in found.items()}


# --- Export ---------------------------------------------------------------------------------------

# Never useful to the patient and not theirs to take: a hash that only checks a link.
EXPORT_EXCLUDED_FIELDS = {
    "bookings.managelink": {"token_hash"},
    "bookings.recommendation": {"token_hash"},
    "bookings.waitlistentry": {"verify_token_hash", "leave_token_hash"},
    "bookings.waitlistoffer": {"claim_token_hash"},
}


def _references(rows: dict[str, list[models.Model]]) -> dict[str, dict[str, object]]:
    """Readable names for the ids the rows point to (protocol, clinician, consent text, …)."""
    targets: dict[type[models.Model], set[int]] = {}
    for objects in rows.values():
        for obj in objects:
            for field in obj._meta.concrete_fields:
                if field.is_relation and field.related_model is not None:
                    value = getattr(obj, field.attname)
                    if value is not None and _label(field.related_model) not in rows:
                        targets.setdefault(field.related_model, set()).add(value)
    references: dict[str, dict[str, object]] = {}
    for model, pks in targets.items():
        if model._meta.label == settings.AUTH_USER_MODEL:
            continue  # staff accounts: the clinician references name the people
        entries = model._base_manager.filter(pk__in=pks)
        if _label(model) == "bookings.consenttext":
            # The consent the patient accepted, word for word.
            references[_label(model)] = {
                str(text.pk): {
                    "version": text.version,
                    "language": text.language,
                    "title": text.title,
                    "body": text.body,
                }
                for text in entries
            }
        else:
            references[_label(model)] = {str(entry.pk): str(entry) for entry in entries}
    return references


def _serialise(label: str, objects: list[models.Model]) -> list[dict]:
    excluded = EXPORT_EXCLUDED_FIELDS.get(label, set())
    fields = [
        field.name
        for field in objects[0]._meta.concrete_fields
        if field.name not in excluded and not field.primary_key
    ]
    return [
        {"id": item["pk"], **item["fields"]}
        for item in serializers.serialize("python", objects, fields=fields)
    ]


def patient_export(*, patient: Patient) -> bytes:
    """A zip of everything the clinic holds about the patient: data.json and the photo files."""
    rows = patient_rows(patient)
    data = {
        "exported_at": timezone.now(),
        "clinic": settings.CLINIC_NAME,
        "patient_number": patient.pk,
        "data": {label: _serialise(label, objects) for label, objects in sorted(rows.items())},
        "references": _references(rows),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
        for label, objects in rows.items():
            for field in ERASURE.get(label, Erasure("delete", "")).files:
                for obj in objects:
                    name = getattr(obj, field).name
                    if name:
                        with _storage(obj, field).open(name, "rb") as handle:
                            archive.writestr(f"files/{label}/{obj.pk}-{field}.jpg", handle.read())
        archive.writestr("README.txt", EXPORT_README)
    return buffer.getvalue()


EXPORT_README = """\
Your data at the clinic, as stored on the day of this export.

data.json  every record about you, by kind ("bookings.patient" your details, "bookings.plan" your
           treatment courses, "bookings.appointment" their visits, "bookings.screeninganswer"
           your health answers, "bookings.outgoingemail" the emails we sent or are sending you,
           "clinical.treatmentrecord" what was done in each session, "clinical.photo" your
           photos); "references" names the treatments, clinicians and the consent text you
           accepted, which the records refer to by number.
files/     the photos (full size and thumbnail) in JPEG.
"""


# --- Erasure --------------------------------------------------------------------------------------


def _storage(obj: models.Model, field_name: str) -> Storage:
    """The field's storage as configured now (a callable storage is asked again, so a setting
    changed since start-up, or in a test, is honoured)."""
    field = obj._meta.get_field(field_name)
    storage_callable = getattr(field, "_storage_callable", None)
    return storage_callable() if storage_callable else field.storage


def _files_of(objects: Iterable[models.Model], fields: tuple[str, ...]) -> list[tuple]:
    return [
        (_storage(obj, field), getattr(obj, field).name)
        for obj in objects
        for field in fields
        if getattr(obj, field)
    ]


def _delete_files(files: list[tuple]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError as error:
            # The row is gone already, so the file can no longer be found by anyone; say so
            # (without its name, which is random but still an identifier) for the operator.
            logger.error("An erased photo file could not be deleted (%s).", type(error).__name__)


def patient_erase(
    *, patient: Patient, erased_by: AbstractBaseUser | None, reason: str = ErasureReason.REQUEST
) -> ErasureRecord:
    """Erase the patient's personal and medical data (see the module docstring for the rule).

    One booking transaction (the engine's lock timeout; `ClinicBusy`/`NotFound` instead of
    database errors); photo files are deleted once it has committed, so a failure leaves
    everything as it was.
    """
    patient_id = patient.pk

    with booking_transaction():
        # The engine's lock order (bookings.engine.locks): the patient's plans by id, then the
        # patient. Locking the patient first and then deleting plans a booking holds (it locks
        # the plan, then the patient) would wait in a circle with that booking.
        lock_plans(Plan.objects.filter(patient_id=patient_id).values_list("pk", flat=True))
        patient = lock_patients([patient_id], deleting=True).get(patient_id)
        if patient is None:
            raise NotFound(_("This patient no longer exists. Please look again."))
        rows = patient_rows(patient)
        unknown = set(rows) - set(ERASURE)
        if unknown:
            raise RuntimeError(f"No erasure rule for {sorted(unknown)}: add one to ERASURE.")
        treated_plans = {
            record.appointment.plan_id
            for record in TreatmentRecord.objects.filter(
                appointment__plan__patient=patient
            ).select_related("appointment")
        }
        removed: dict[str, int] = {}
        kept: dict[str, int] = {}
        files: list[tuple] = []

        def count(into: dict[str, int], label: str, number: int) -> None:
            if number:
                into[label] = into.get(label, 0) + number

        # Rows deleted outright, children before the plans and appointments they point to.
        for label, rule in ERASURE.items():
            if rule.action != "delete" or label not in rows:
                continue
            objects = rows[label]
            files += _files_of(objects, rule.files)
            model = type(objects[0])
            model._base_manager.filter(pk__in=[obj.pk for obj in objects]).delete()
            count(removed, label, len(objects))
            if rule.files:
                count(removed, f"{label} files", len(_files_of(objects, rule.files)))

        # Courses never treated go whole (their appointments cascade), with any adverse event
        # noted on them (without a treatment record there is no lot to count it against).
        untreated = [
            plan.pk for plan in rows.get("bookings.plan", []) if plan.pk not in treated_plans
        ]
        untreated_events = [
            event.pk
            for event in rows.get("clinical.adverseevent", [])
            if event.appointment.plan_id in untreated
        ]
        if untreated_events:
            AdverseEvent.objects.filter(pk__in=untreated_events).delete()
            count(removed, "clinical.adverseevent", len(untreated_events))
            rows["clinical.adverseevent"] = [
                e for e in rows["clinical.adverseevent"] if e.pk not in untreated_events
            ]
        if not treated_plans:
            # Never treated: the patient row goes, and with it the lots made from their tissue.
            own_lots = [lot.pk for lot in rows.pop("clinical.lot", [])]
            rows.pop("clinical.recalltext", None)
            RecallText.objects.filter(lot__in=own_lots).delete()
            count(
                removed,
                "clinical.lot",
                Lot.objects.filter(pk__in=own_lots).delete()[1].get(Lot._meta.label, 0),
            )
        count(
            removed,
            "bookings.appointment",
            sum(1 for a in rows.get("bookings.appointment", []) if a.plan_id in untreated),
        )
        count(
            removed,
            "bookings.plan",
            Plan.objects.filter(pk__in=untreated).delete()[1].get(Plan._meta.label, 0),
        )

        # What stays, without identity.
        for label, rule in ERASURE.items():
            if rule.action == "delete" or label not in rows or label == "bookings.patient":
                continue
            objects = [
                obj
                for obj in rows[label]
                if rule.action != "keep_if_treated" or _course_of(obj) in treated_plans
            ]
            if rule.blank and objects:
                type(objects[0])._base_manager.filter(pk__in=[o.pk for o in objects]).update(
                    **dict.fromkeys(rule.blank, "")
                )
            count(kept, label, len(objects))

        # Earlier versions of the kept treatment records hold the same free text: empty it there.
        count(
            removed,
            "clinical.treatmentrecord versions' free text",
            TreatmentRecord.history.filter(
                id__in=[record.pk for record in rows.get("clinical.treatmentrecord", [])]
            )
            .exclude(reactions="", notes="")
            .update(reactions="", notes=""),
        )

        # The admin's history names the rows it logged ("Skin renewal – Maria Schneider"): keep
        # who did what and when, but not whom it was about.
        count(removed, "admin history texts", _scrub_admin_history(rows))

        number = patient.pk
        if treated_plans:
            Patient.objects.filter(pk=number).update(
                full_name=ERASED_NAME,
                email="",
                phone="",
                # The compared copies of the name and phone (engine.patients) go too.
                name_normalised="",
                phone_normalised="",
                date_of_birth=ERASED_DATE_OF_BIRTH,
                preferred_language=settings.LANGUAGE_CODE,
            )
            count(kept, "bookings.patient", 1)
        else:
            Patient.objects.filter(pk=number).delete()
            count(removed, "bookings.patient", 1)
        record = ErasureRecord.objects.create(
            patient_number=number, reason=reason, erased_by=erased_by, removed=removed, kept=kept
        )
        transaction.on_commit(lambda: _delete_files(files))
        return record


def erasure_preview(*, patient: Patient) -> list[dict[str, object]]:
    """What erasing the patient would do, per kind of row, in words for the confirmation page."""
    rows = patient_rows(patient)
    treated = TreatmentRecord.objects.filter(appointment__plan__patient=patient).exists()
    preview = []
    for label, objects in sorted(rows.items()):
        rule = ERASURE.get(label, Erasure("delete", ""))
        stays = treated and rule.action != "delete"
        preview.append(
            {
                "label": label,
                "name": apps.get_model(label)._meta.verbose_name_plural,
                "count": len(objects),
                "outcome": "kept without identity" if stays else "deleted",
                "why": rule.why if stays else "",
            }
        )
    return preview


def _course_of(obj: models.Model) -> int | None:
    """The plan a row belongs to (the plan itself, or its `plan` foreign key)."""
    return obj.pk if isinstance(obj, Plan) else getattr(obj, "plan_id", None)


def _scrub_admin_history(rows: dict[str, list[models.Model]]) -> int:
    """Blank the text of admin history entries about these rows (or proxies of their models)."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    scrubbed = 0
    for label, objects in rows.items():
        model = apps.get_model(label)
        types = [
            content_type
            for content_type in ContentType.objects.filter(app_label=model._meta.app_label)
            if (found := content_type.model_class()) is not None
            and found._meta.concrete_model is model
        ]
        scrubbed += LogEntry.objects.filter(
            content_type__in=types, object_id__in=[str(obj.pk) for obj in objects]
        ).update(object_repr=ERASED_NAME, change_message="")
    return scrubbed


# --- Retention of guests who never completed a booking ------------------------------------------


def guests_stale(*, days: int, now: datetime | None = None) -> models.QuerySet[Patient]:
    """Patients created more than `days` ago who never completed a booking.

    "Completed" means any of: a plan that was consented to (online), confirmed, sent for review,
    declined, completed, or an email the clinic queued for them (every completed booking, online
    or by phone, sends one). What is left are abandoned holds: details typed, times held, never
    confirmed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    completed = Plan.objects.filter(patient=OuterRef("pk")).filter(
        Q(consented_at__isnull=False)
        | ~Q(status__in=[PlanStatus.HELD, PlanStatus.CANCELLED])
        | Q(created_at__gte=cutoff)
    )
    # Still booking, however the period is set: a hold that has not run out.
    booking = Plan.objects.live_holds(now).filter(patient=OuterRef("pk"))
    emailed = OutgoingEmail.objects.filter(patient=OuterRef("pk"))
    return Patient.objects.filter(created_at__lt=cutoff).exclude(
        Exists(completed) | Exists(booking) | Exists(emailed)
    )


def guests_purge(
    *, days: int, now: datetime | None = None, report: Callable[[str], None] = lambda _: None
) -> int:
    """Erase every stale guest (see `guests_stale`); returns how many."""
    erased = 0
    for patient in guests_stale(days=days, now=now).iterator():
        patient_erase(patient=patient, erased_by=None, reason=ErasureReason.RETENTION)
        erased += 1
    report(f"{erased} guest(s) who never completed a booking erased (older than {days} days).")
    return erased
