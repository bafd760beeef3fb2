"""Clinical records: what was done in a session, its photos, and who looked at medical data.

Workflows live in `clinical/services.py`; who may see what in `clinical/access.py`.
"""

from __future__ import annotations

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

from bookings.engine.rules import local_date
from bookings.models import Appointment, Clinician
from treatments.models import Procedure


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
        """Every session that received this lot (lot numbers are stored normalised)."""
        return self.filter(lot_number=normalise_lot(lot_number))

    def for_listing(self) -> TreatmentRecordQuerySet:
        return self.select_related(
            "appointment__plan__patient",
            "appointment__plan__protocol",
            "appointment__clinician",
            "recorded_by",
        )


def normalise_lot(lot_number: str) -> str:
    """Lot numbers are compared without case or surrounding spaces ("ab-12 " is "AB-12")."""
    return "".join(lot_number.split()).upper()


class TreatmentRecord(models.Model):
    """What the clinician did in one session: the product lot, the device settings, the result."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="treatment_record"
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
