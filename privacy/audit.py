"""Export and erasure are audited with the clinical audit log (one entry each, no content)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from clinical.audit import audit_record
from clinical.models import AuditObject


def audit_patient_request(
    *, action: str, patient_number: int, user: AbstractBaseUser, request: HttpRequest | None = None
) -> None:
    """From the admin, the request gives the user and address; from a command, the operator."""
    if request is None:
        request = HttpRequest()  # a command: no address, the operator named by --by
        request.user = user
    audit_record(
        request=request, object_type=AuditObject.PATIENT, object_ids=[patient_number], action=action
    )
