"""What stays after a patient's data is erased: a trace that it happened, and nothing personal.

`PatientDataRequest` is a proxy of `bookings.Patient` that gives the clinic manager an admin page
for export and erasure requests (GDPR Art. 15, 17, 20), apart from reception's patient pages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.models import Patient


class ErasureReason(models.TextChoices):
    REQUEST = "request", _("The patient asked for erasure")
    RETENTION = "retention", _("Guest who never completed a booking (retention period over)")


class ErasureRecord(models.Model):
    """The anonymised trace of one erasure: which patient number, when, why, by whom, how much.

    Holds no name, email, phone, date of birth or medical content: the patient number is the
    database id the erased row had, which points to nothing personal any more.
    """

    patient_number = models.PositiveBigIntegerField(_("patient number"), db_index=True)
    reason = models.CharField(_("reason"), max_length=12, choices=ErasureReason.choices)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasures",
        null=True,
        blank=True,
        help_text=_("Empty for the automatic retention job."),
    )
    erased_at = models.DateTimeField(_("erased at"), auto_now_add=True, db_index=True)
    removed = models.JSONField(_("removed"), default=dict, help_text=_("Rows and files per kind."))
    kept = models.JSONField(
        _("kept anonymised"), default=dict, help_text=_("Rows kept by law, without identity.")
    )

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")

    def __str__(self) -> str:
        return f"#{self.patient_number} ({self.get_reason_display()}, {self.erased_at:%Y-%m-%d})"


class PatientDataRequest(Patient):
    """Patients, as the clinic manager sees them for export and erasure requests."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("patient data request")
        verbose_name_plural = _("patient data requests (export, erasure)")
