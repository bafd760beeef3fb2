"""The clinician dashboard's lists: the page clinicians open most (issue 22).

Each list is a compiled query (`common.compiled`): the ORM builds and compiles it once per
process and shape, and every request runs the stored SQL with its own values. Building and
compiling these joins cost about 2 ms of CPU per list, running them a tenth of that.

Only the columns the lists show are loaded: the ORM's cost grows with every column of every
joined table (a protocol alone has each text in three languages). tests/clinical/test_read_pages.py
fails if the template reaches for a column left out here (a query per row).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min, Q, QuerySet
from modeltranslation.utils import get_translation_fields

from bookings.models import (
    OPEN_PLAN_STATUSES,
    Appointment,
    AppointmentStatus,
    Plan,
    PlanStatus,
    Recommendation,
)
from clinical.access import visible_in
from clinical.models import FollowUp
from common.compiled import compiled

_PATIENT = ("full_name", "phone")
# A translated field is read in the visitor's language with fallbacks (django-modeltranslation):
# every language's column is needed.
_PROTOCOL_NAME = get_translation_fields("name")
RECOMMENDATIONS_LISTED = 20


@compiled
def awaiting_review(*, everyone: bool, clinician_id: int | None) -> QuerySet[Plan]:
    """Plans awaiting a clinician's review that the scope may see, oldest first, each with the
    time of its first visit that is not cancelled (`first_visit`)."""
    return (
        visible_in(
            Plan.objects.filter(status=PlanStatus.AWAITING_REVIEW),
            "patient_id",
            everyone=everyone,
            clinician_id=clinician_id,
        )
        .select_related("patient", "protocol", "clinician")
        .only(
            "created_at",
            *(f"patient__{name}" for name in _PATIENT),
            *(f"protocol__{name}" for name in _PROTOCOL_NAME),
            "clinician__display_name",
        )
        .annotate(
            first_visit=Min(
                "appointments__start",
                filter=~Q(appointments__status=AppointmentStatus.CANCELLED),
            )
        )
        .order_by("created_at", "pk")
    )


@compiled
def sessions_between(
    *, everyone: bool, clinician_id: int | None, start: datetime, end: datetime
) -> QuerySet[Appointment]:
    """The visits of open courses between `start` and `end` that are not cancelled: a
    clinician's own (theirs to see, as they are assigned to those patients, so no visibility
    subquery), or everyone's for a scope that sees every patient."""
    if clinician_id is not None:
        sessions = Appointment.objects.filter(clinician_id=clinician_id)
    elif everyone:
        sessions = Appointment.objects.all()
    else:
        sessions = Appointment.objects.none()
    return (
        sessions.filter(start__gte=start, start__lt=end, plan__status__in=OPEN_PLAN_STATUSES)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("plan__patient", "plan__protocol", "treatment_record")
        .only(
            "start",
            "kind",
            "status",
            "sequence",
            "plan__status",
            *(f"plan__patient__{name}" for name in _PATIENT),
            *(f"plan__protocol__{name}" for name in _PROTOCOL_NAME),
            "plan__protocol__session_count",
            "treatment_record__id",
        )
        .order_by("start")
    )


@compiled
def urgent_follow_ups(*, everyone: bool, clinician_id: int | None) -> QuerySet[FollowUp]:
    """Follow-up answers with infection signs or anything severe, oldest first, until a
    clinician marks them handled (or confirms them as an adverse event): who and when only."""
    return (
        visible_in(
            FollowUp.objects.urgent_open(),
            "appointment__plan__patient_id",
            everyone=everyone,
            clinician_id=clinician_id,
        )
        .select_related("appointment__plan__patient", "appointment__plan__protocol")
        .only(
            "answered_at",
            "appointment__sequence",
            *(f"appointment__plan__patient__{name}" for name in _PATIENT),
            *(f"appointment__plan__protocol__{name}" for name in _PROTOCOL_NAME),
        )
        .order_by("answered_at", "pk")
    )


@compiled
def recommendations_by(*, clinician_id: int) -> QuerySet[Recommendation]:
    """A clinician's latest recommendations (issue 18), with the course booked from each."""
    return (
        Recommendation.objects.filter(recommended_by_id=clinician_id)
        .select_related("protocol", "consultation__patient")
        .only(
            "created_at",
            "consultation__patient__full_name",
            "booked_plan_id",
            *(f"protocol__{name}" for name in _PROTOCOL_NAME),
        )
        .order_by("-created_at")[:RECOMMENDATIONS_LISTED]
    )
