"""Audit entries for every look at medical data.

The rule: one row per medical object shown per request — a plan's screening answers count as one
object (the screening), each treatment record shown is one, each photo file served (full size or
thumbnail) is one. Rows hold who, what kind of object and its id, when and the IP address (by the
one rule of common.client_ip: behind our proxy, the address it saw), never any medical content.
They are written in one INSERT per request.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from clinical.models import AuditAction, AuditEntry
from common.client_ip import client_ip


def audit_record(
    *,
    request: HttpRequest,
    object_type: str,
    object_ids: Iterable[int],
    action: str = AuditAction.VIEW,
) -> list[AuditEntry]:
    ip = client_ip(request)
    return AuditEntry.objects.bulk_create(
        AuditEntry(
            user=request.user,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip_address=ip,
        )
        for object_id in dict.fromkeys(object_ids)
    )
