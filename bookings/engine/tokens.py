"""Manage links: a random token in the email, only its SHA-256 hash in the database.

A token is 32 random bytes (URL-safe base64), so it cannot be guessed, and it says nothing about
the patient. A link works until the plan's last visit plus MANAGE_LINK_DAYS_AFTER_LAST_VISIT, and
stops when revoked; asking for a new link revokes the old ones.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from bookings.models import Appointment, ManageLink, Plan
from common.compiled import compiled

# Long enough to download the calendar or read the plan after the last session, short enough that
# an old email stops being a key to the patient's appointments.
MANAGE_LINK_DAYS_AFTER_LAST_VISIT = 30


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def manage_link_create(*, plan: Plan) -> str:
    """A new link for the plan; returns the token, which is stored nowhere else."""
    token = secrets.token_urlsafe(32)
    ManageLink.objects.create(plan=plan, token_hash=token_hash(token))
    return token


def manage_links_revoke(*, plan: Plan, now: datetime | None = None) -> int:
    return ManageLink.objects.usable().filter(plan=plan).update(revoked_at=now or timezone.now())


@compiled
def _usable_link(*, digest: str) -> QuerySet[ManageLink]:
    """The usable link with this token hash (unique), compiled once per process: every manage
    page and every move or cancel starts here (issue 22)."""
    return (
        ManageLink.objects.usable()
        .filter(token_hash=digest)
        .select_related("plan__protocol")
        # A subquery rather than Max() over a join grouped by every selected column: the same
        # answer, and half the planning time on PostgreSQL (issue 22).
        .annotate(
            last_visit_end=Subquery(
                Appointment.objects.filter(plan_id=OuterRef("plan_id"))
                .order_by("-end")
                .values("end")[:1]
            )
        )
    )


def manage_link_find(token: str, *, now: datetime | None = None) -> ManageLink | None:
    """The link for this token if it is known, not revoked and not expired; None otherwise.

    One query: the link, its plan and protocol, and the end of the plan's last visit (the pages
    that also need the patient or the clinician load them; the manage pages do not).
    """
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    found = _usable_link.rows(digest=token_hash(token))
    if not found:
        return None
    link = found[0]
    if link.last_visit_end is None:
        return None
    if now > link.last_visit_end + timedelta(days=MANAGE_LINK_DAYS_AFTER_LAST_VISIT):
        return None
    return link
