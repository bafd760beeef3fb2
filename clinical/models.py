"""Clinical records: what was done in a session, its photos, and who looked at medical data.

Workflows live in `clinical/services.py`; who may see what in `clinical/access.py`.
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from bookings.engine.rules import local_date
from bookings.models import Appointment, Clinician, OutgoingEmail, Patient, Plan
from treatments.models import Procedure, Product


def photo_storage() -> Storage:
    """The private photo storage (settings.STORAGES["clinical_photos"]), never public media."""
    return storages["clinical_photos"]


def random_photo_name(instance: object, filename: str) -> str:
    # The uploaded name may carry a patient's name or a date: never keep it.
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}.jpg"


class TreatmentArea(models.TextChoices):
    FULL_FACE = "full_face", _("Full face")
    FOREHEAD = "forehead", _("Forehead")
    PERIORBITAL = "periorbital", _("Around the eyes")
    CHEEKS = "cheeks", _("Cheeks")
    NOSE = "nose", _("Nose")
    CHIN_JAWLINE = "chin_jawline", _("Chin and jawline")
    NECK = "neck", _("Neck")
    DECOLLETE = "decollete", _("Décolleté")
    SCALP = "scalp", _("Scalp")
    HANDS = "hands", _("Backs of the hands")


class TreatmentRecordQuerySet(models.QuerySet["TreatmentRecord"]):
    def with_lot(self, lot_number: str) -> TreatmentRecordQuerySet:
        """Every session that received a lot with this number, however it was typed."""
        return self.filter(lot__lot_key=lot_key(lot_number))

    def for_listing(self) -> TreatmentRecordQuerySet:
        return self.select_related(
            "appointment__plan__patient",
            "appointment__plan__protocol",
            "appointment__clinician",
            "recorded_by",
        )


def normalise_lot(lot_number: str) -> str:
    """A lot number as entered, without surrounding or doubled spaces ("ab-12 " is "ab-12")."""
    return " ".join(lot_number.split())


# Spaces and every kind of dash (hyphen, non-breaking hyphen, en and em dash, minus sign).
_LOT_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]+")


def lot_key(lot_number: str) -> str:
    """What lot numbers are matched by: no case, spaces or dashes, so that "EXO 2026 0412",
    "exo-2026-0412" and "EXO20260412" are one lot (labels and people write them differently)."""
    return _LOT_SEPARATORS.sub("", lot_number).upper()


class LotStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    QUARANTINED = "quarantined", _("Quarantined")
    RECALLED = "recalled", _("Recalled")


class LotQuerySet(models.QuerySet["Lot"]):
    def usable_for(self, *, patient: Patient, on: date) -> LotQuerySet:
        """Lots that may be applied to this patient on this day: in use, not expired, and either
        a stock lot or this patient's own (an own-blood or own-fat lot is theirs alone)."""
        return self.filter(
            Q(patient__isnull=True) | Q(patient=patient),
            status=LotStatus.IN_USE,
            expiry_date__gte=on,
        ).select_related("product")

    def matching(self, lot_number: str) -> LotQuerySet:
        return self.filter(lot_key=lot_key(lot_number))

    def with_quantity_used(self) -> LotQuerySet:
        return self.annotate(
            quantity_used=models.functions.Coalesce(
                models.Sum("treatment_records__quantity_used"), 0
            )
        )


class Lot(models.Model):
    """One batch of a product in the clinic's stock (or made for one patient from their own
    blood or fat). Recalls, quarantine and expiry are decided per lot."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="lots", verbose_name=_("product")
    )
    lot_number = models.CharField(
        _("lot / batch number"), max_length=64, help_text=_("As printed on the vial or label.")
    )
    lot_key = models.CharField(max_length=64, db_index=True, editable=False)
    expiry_date = models.DateField(_("expiry date"))
    received_on = models.DateField(_("received on"))
    quantity_received = models.PositiveIntegerField(
        _("quantity received"), default=1, help_text=_("Vials or units.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=LotStatus.choices, default=LotStatus.IN_USE
    )
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_lots",
        verbose_name=_("made for patient"),
        help_text=_("Only for a product made from the patient's own blood or fat."),
    )
    recall_reason = models.TextField(_("reason for the recall"), blank=True)
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recalled by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LotQuerySet.as_manager()

    class Meta:
        ordering = ["expiry_date", "lot_number"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "lot_key"],
                name="lot_number_unique_per_product",
                violation_error_message=_("This product already has a lot with this number."),
            ),
            models.CheckConstraint(
                name="lot_recalled_has_reason_and_time",
                condition=~Q(status="recalled")
                | (Q(recalled_at__isnull=False) & ~Q(recall_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} · {self.lot_number}"

    def save(self, *args: object, **kwargs: object) -> None:
        # The matching key follows the number; it is derived, never typed.
        self.lot_number = normalise_lot(self.lot_number)
        self.lot_key = lot_key(self.lot_number)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "lot_key"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        product = self.product if self.product_id else None
        if product is not None and product.is_own_source and self.patient_id is None:
            errors["patient"] = _(
                "A lot made from a patient's own blood or fat belongs to that patient: choose them."
            )
        if product is not None and not product.is_own_source and self.patient_id is not None:
            errors["patient"] = _(
                "Only a lot made from a patient's own blood or fat has a patient."
            )
        if self.expiry_date and self.received_on and self.expiry_date < self.received_on:
            errors["expiry_date"] = _("The expiry date is before the day it was received.")
        if self.lot_number and not lot_key(self.lot_number):
            # "- - -" would have the key "": it would match every such lot and any search for "-".
            errors["lot_number"] = _(
                "A lot number needs at least one letter or digit: please copy it from the label."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_usable(self) -> bool:
        return self.status == LotStatus.IN_USE


class TreatmentRecord(models.Model):
    """What the clinician did in one session: the product lot, the device settings, the result."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="treatment_record"
    )
    # The lot from stock; product name, lot number and expiry are copied from it when recorded
    # (the record says what was on the label that day, whatever happens to the lot row later).
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        related_name="treatment_records",
        verbose_name=_("lot"),
    )
    quantity_used = models.PositiveSmallIntegerField(
        _("quantity used"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Vials or units of the lot."),
    )
    product_name = models.CharField(_("exosome product"), max_length=160)
    lot_number = models.CharField(_("lot / batch number"), max_length=64, db_index=True)
    expiry_date = models.DateField(_("expiry date"))
    needle_depth_mm = models.DecimalField(
        _("needle depth (mm)"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("3.0"))],
    )
    energy_mj = models.DecimalField(
        _("energy (mJ)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("300"))],
    )
    density_percent = models.PositiveSmallIntegerField(
        _("density (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    passes = models.PositiveSmallIntegerField(
        _("passes"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    areas = models.JSONField(_("areas treated"), default=list)
    reactions = models.TextField(_("reactions"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        Clinician, on_delete=models.PROTECT, related_name="treatment_records"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TreatmentRecordQuerySet.as_manager()
    # Every version of the record (a correction must not lose the lot it replaced): who changed
    # it and when, shown on the session page and removed with the patient's free text on erasure.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("treatment record")
        verbose_name_plural = _("treatment records")
        permissions = [
            ("view_all_patients", _("Can see every patient's plans and records")),
        ]
        constraints = [
            models.CheckConstraint(
                name="treatment_record_passes_at_least_one",
                condition=Q(passes__isnull=True) | Q(passes__gte=1),
            ),
            models.CheckConstraint(
                name="treatment_record_density_is_a_percentage",
                condition=Q(density_percent__isnull=True) | Q(density_percent__lte=100),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Treatment record')} #{self.pk}"

    def clean(self) -> None:
        """The lot must not have expired before the session; the settings recorded must be
        the ones of the protocol's combined procedure."""
        errors: dict[str, ValidationError | str] = {}
        appointment = getattr(self, "appointment", None) if self.appointment_id else None
        if appointment is not None and self.expiry_date:
            try:
                validate_lot_not_expired(self.expiry_date, local_date(appointment.start))
            except ValidationError as error:
                errors["expiry_date"] = error
        if not self.areas:
            errors["areas"] = _("Choose at least one area treated.")
        elif not set(self.areas) <= set(TreatmentArea.values):
            errors["areas"] = _("Choose the areas from the list.")
        if appointment is not None:
            errors.update(procedure_settings_problems(appointment.plan.protocol.procedure, self))
        if errors:
            raise ValidationError(errors)

    def area_labels(self) -> list[str]:
        labels = dict(TreatmentArea.choices)
        return [str(labels.get(area, area)) for area in self.areas]


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class PhotoQuerySet(models.QuerySet["Photo"]):
    def for_listing(self) -> PhotoQuerySet:
        return self.select_related("appointment", "taken_by")


class Photo(models.Model):
    """A before or after photo of one area in one session, re-encoded without any metadata.

    Stored in the private `clinical_photos` storage under a random name; served only by
    `clinical.views.photo_file`, which checks who is asking and writes an audit entry.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField(_("before or after"), max_length=8, choices=PhotoKind.choices)
    area = models.CharField(_("area"), max_length=20, choices=TreatmentArea.choices)
    image = models.FileField(storage=photo_storage, upload_to=random_photo_name, max_length=120)
    thumbnail = models.FileField(storage=photo_storage, upload_to=random_photo_name, max_length=120)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    taken_by = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="photos")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["appointment__start", "area", "kind", "uploaded_at"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.get_area_display()} #{self.pk}"


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    APPROVE = "approve", _("Approved")
    DECLINE = "decline", _("Declined")
    EXPORT = "export", _("Exported")
    ERASE = "erase", _("Erased")
    # Staff accounts (clinic.accounts.staff): who invited, deactivated or reset whom.
    INVITE = "invite", _("Invited")
    DEACTIVATE = "deactivate", _("Deactivated")
    RESET_SECOND_FACTOR = "reset_2fa", _("Second factor reset")


class AuditObject(models.TextChoices):
    """What was looked at. A plan's screening answers are audited as one object: the screening."""

    SCREENING = "screening", _("Screening answers of a plan")
    FOLLOW_UP = "follow_up", _("Follow-up answers")
    OUTCOME = "outcome", _("Outcome after the course")
    ADVERSE_EVENT = "adverse_event", _("Adverse event")
    LOT = "lot", _("Lot (recall)")
    TREATMENT_RECORD = "treatment_record", _("Treatment record")
    PHOTO = "photo", _("Photo")
    PLAN = "plan", _("Plan")
    PATIENT = "patient", _("All data of a patient (export, erasure)")
    STAFF_ACCOUNT = "staff_account", _("Staff account")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    # Append-only: no update or delete through the ORM either (the admin allows neither, and on
    # PostgreSQL a trigger refuses them in the database too: migration 0003).
    def update(self, **kwargs: object) -> int:
        raise PermissionError("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """Who did what to which medical object, when, from where. Never any medical content."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_entries"
    )
    action = models.CharField(_("action"), max_length=12, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=20, choices=AuditObject.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise PermissionError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit entries cannot be deleted.")


def procedure_settings_problems(procedure: str, record: TreatmentRecord) -> dict[str, str]:
    """Microneedling: needle depth and passes; RF microneedling: the same (energy optional);
    fractional laser: energy, density and passes, and no needle depth."""
    required = {"passes"}
    not_applicable: set[str] = set()
    if procedure == Procedure.FRACTIONAL_LASER:
        required |= {"energy_mj", "density_percent"}
        not_applicable = {"needle_depth_mm"}
    else:
        required.add("needle_depth_mm")
        not_applicable = {"density_percent"}
        if procedure == Procedure.MICRONEEDLING:
            not_applicable.add("energy_mj")
    problems: dict[str, str] = {}
    for name in sorted(required):
        if getattr(record, name) is None:
            problems[name] = _("Required for %(procedure)s.") % {
                "procedure": Procedure(procedure).label
            }
    for name in sorted(not_applicable):
        if getattr(record, name) is not None:
            problems[name] = _("Not used in %(procedure)s; leave it empty.") % {
                "procedure": Procedure(procedure).label
            }
    return problems


def validate_lot_not_expired(expiry_date: date, session_date: date) -> None:
    """A lot whose expiry date is before the session's day must not have been used."""
    if expiry_date < session_date:
        raise ValidationError(
            _("This lot expired on %(date)s, before the session. Do not use it."),
            params={"date": expiry_date.isoformat()},
            code="expired_lot",
        )


# --- Care after the visit (docs/aftercare.md) ----------------------------------------------------


class SymptomLevel(models.TextChoices):
    NONE = "none", _("None")
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


# The follow-up's questions, in the order the patient sees them.
SYMPTOMS: dict[str, str] = {
    "redness": _("Redness"),
    "swelling": _("Swelling"),
    "pain": _("Pain"),
    "bruising": _("Bruising"),
    "itching": _("Itching"),
    "crusting": _("Crusting or blisters"),
    "dark_patches": _("Dark patches"),
    "infection": _("Signs of infection (pus, fever, spreading redness)"),
}


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def urgent_open(self) -> FollowUpQuerySet:
        return self.filter(urgent=True, urgent_seen_at__isnull=True)

    def for_listing(self) -> FollowUpQuerySet:
        return self.select_related(
            "appointment__plan__patient", "appointment__plan__protocol", "appointment__clinician"
        )


class FollowUp(models.Model):
    """The "How is your skin?" message after one session, and the patient's answer.

    One row per session, created when the message is claimed (the unique appointment is the
    claim: two runs at once cannot both insert it). The link's token is stored only as a hash,
    works for FOLLOW_UP_LINK_DAYS and stops when revoked.
    """

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="follow_up"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.ForeignKey(
        OutgoingEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("link expires at"))
    revoked_at = models.DateTimeField(_("link revoked at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    redness = models.CharField(max_length=8, choices=SymptomLevel.choices, blank=True)
    swelling = models.CharField(max_length=8, choices=SymptomLevel.choices, blank=True)
    pain = models.CharField(max_length=8, choices=SymptomLevel.choices, blank=True)
    bruising = models.CharField(max_length=8, choices=SymptomLevel.choices, blank=True)
    itching = models.CharField(max_length=8, choices=SymptomLevel.choices, blank=True)
    crusting = models.CharField(max_length=8, choices=SymptomLevel.choices, blank=True)
    dark_patches = models.CharField(max_length=8, choices=SymptomLevel.choices, blank=True)
    infection = models.CharField(max_length=8, choices=SymptomLevel.choices, blank=True)
    comment = models.TextField(_("in the patient's words"), blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    urgent_seen_at = models.DateTimeField(_("urgent item handled at"), null=True, blank=True)
    urgent_seen_by = models.ForeignKey(
        Clinician, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{_('Follow-up')} #{self.pk}"

    def symptom_answers(self) -> list[tuple[str, str, str]]:
        """(field, question, answer label) for each question, in order."""
        labels = dict(SymptomLevel.choices)
        return [
            (name, str(question), str(labels.get(getattr(self, name), "–")))
            for name, question in SYMPTOMS.items()
        ]

    @property
    def needs_action(self) -> bool:
        """Any sign of infection, or anything severe: the patient is told to call now."""
        levels = [getattr(self, name) for name in SYMPTOMS]
        return SymptomLevel.SEVERE in levels or self.infection not in ("", SymptomLevel.NONE)


class FollowUpStop(models.Model):
    """The patient asked for no more follow-up messages (from a follow-up link)."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="follow_up_stop")
    stopped_at = models.DateTimeField(_("stopped at"))

    class Meta:
        verbose_name = _("follow-up stop")
        verbose_name_plural = _("follow-up stops")

    def __str__(self) -> str:
        return f"{_('Follow-up stop')} #{self.pk}"


class Impression(models.IntegerChoices):
    """The Global Aesthetic Improvement Scale (GAIS), five points."""

    VERY_MUCH_IMPROVED = 5, _("Very much improved")
    MUCH_IMPROVED = 4, _("Much improved")
    IMPROVED = 3, _("Improved")
    NO_CHANGE = 2, _("No change")
    WORSE = 1, _("Worse")


class CourseOutcome(models.Model):
    """The patient's (and optionally the clinician's) impression some weeks after the course."""

    plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="outcome")
    # Empty until the question is emailed (a clinician's rating can come first).
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    email = models.ForeignKey(
        OutgoingEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    impression = models.PositiveSmallIntegerField(
        _("impression of change"), choices=Impression.choices, null=True, blank=True
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    would_again = models.BooleanField(_("would have it again"), null=True, blank=True)
    comment = models.TextField(_("in the patient's words"), blank=True)
    clinician_impression = models.PositiveSmallIntegerField(
        _("clinician's impression"), choices=Impression.choices, null=True, blank=True
    )
    rated_by = models.ForeignKey(
        Clinician, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("outcome after the course")
        verbose_name_plural = _("outcomes after the course")
        constraints = [
            models.CheckConstraint(
                name="outcome_satisfaction_1_to_5",
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Outcome')} #{self.pk}"


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")


class EventOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    ONGOING = "ongoing", _("Ongoing")
    SEQUELAE = "sequelae", _("Resolved with lasting effects")


class Relatedness(models.TextChoices):
    RELATED = "related", _("Related")
    POSSIBLE = "possible", _("Possibly related")
    UNLIKELY = "unlikely", _("Unlikely to be related")
    UNRELATED = "unrelated", _("Not related")


class AdverseEvent(models.Model):
    """A side effect after a session, described in the fields a safety report asks for."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="adverse_events"
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="adverse_events"
    )
    follow_up = models.OneToOneField(
        FollowUp,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adverse_event",
    )
    onset = models.DateField(_("onset"))
    description = models.TextField(_("what happened"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    hospitalisation = models.BooleanField(_("led to hospitalisation"), default=False)
    life_threatening = models.BooleanField(_("life-threatening"), default=False)
    lasting_harm = models.BooleanField(_("lasting harm or disability"), default=False)
    other_important = models.BooleanField(_("other important medical event"), default=False)
    outcome = models.CharField(_("outcome"), max_length=10, choices=EventOutcome.choices)
    relatedness = models.CharField(
        _("relation to the treatment"), max_length=10, choices=Relatedness.choices
    )
    reported_by = models.ForeignKey(
        Clinician, on_delete=models.PROTECT, related_name="adverse_events"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-onset", "-pk"]
        verbose_name = _("adverse event")
        verbose_name_plural = _("adverse events")

    def __str__(self) -> str:
        return f"{_('Adverse event')} #{self.pk}"

    @property
    def is_serious(self) -> bool:
        return (
            self.hospitalisation
            or self.life_threatening
            or self.lasting_harm
            or self.other_important
        )


class RecallNotice(models.Model):
    """The recall email to one patient for one lot: unique, so it is queued exactly once."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="recall_notices")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="recall_notices")
    email = models.ForeignKey(
        OutgoingEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    queued_at = models.DateTimeField(_("queued at"))

    class Meta:
        verbose_name = _("recall notice")
        verbose_name_plural = _("recall notices")
        constraints = [
            models.UniqueConstraint(fields=["lot", "patient"], name="recall_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{_('Recall notice')} #{self.pk}"


class RecallText(models.Model):
    """The recall notice's text per language, as the manager edited it before sending."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="recall_texts")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lot", "language"], name="recall_text_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.language}"
