"""Consultations (issue 18): a short visit with a clinician before any course is booked.

A consultation is a plan of kind `consultation` with one appointment (kind `consultation`,
sequence 1), so it gets every guarantee of a session for free: the exclusion constraint on the
clinician's appointments, the engine's lock order, holds, and the availability rules (shifts,
buffer, time off, lead time, horizon). It is placed by `booking_place(kind=CONSULTATION)`, the
same path as a course; here are only its own parts: the settings, the free times, the locked
write, and the recommendation a clinician makes after it.

No medical screening gate (nothing is done to the patient in a consultation) and no treatment
consent: the patient says what they would like to discuss (optional topics and free text).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.utils import timezone

from bookings.engine.availability import Calendar, Opening, VisitSpec
from bookings.engine.errors import NotFound, SlotUnavailable
from bookings.engine.planner import ProposedVisit
from bookings.engine.rules import BookingRules, aware, end_of, instant, later_by, local_date
from bookings.engine.services import (
    _lock_in_order,  # the engine's one lock order, shared inside the engine
    _refuse_patient_clash,
)
from bookings.engine.tokens import token_hash
from bookings.models import (
    OPEN_PLAN_STATUSES,
    Appointment,
    AppointmentKind,
    Clinician,
    ConsultationRequest,
    ConsultationSettings,
    ConsultationTopic,
    Plan,
    PlanKind,
    PlanStatus,
    Recommendation,
)
from treatments.models import Protocol

CONSULTATION_SEQUENCE = 1


def consultation_settings() -> ConsultationSettings | None:
    """The clinic's consultation settings, None when consultations are not offered."""
    return ConsultationSettings.objects.current()


def consultation_clinician_ids(settings: ConsultationSettings) -> list[int]:
    return sorted(
        settings.clinicians.filter(active=True).values_list("pk", flat=True).order_by("pk")
    )


def consultation_spec(settings: ConsultationSettings) -> VisitSpec:
    return VisitSpec(sequence=CONSULTATION_SEQUENCE, minutes=settings.minutes, needs_device=False)


def consultation_openings(
    *,
    first_day: date,
    last_day: date,
    clinician: Clinician | None = None,
    now: datetime | None = None,
    online: bool = True,
) -> dict[date, list[Opening]]:
    """Free consultation times per local day (days without any are left out)."""
    settings = consultation_settings()
    if settings is None:
        return {}
    ids = consultation_clinician_ids(settings)
    if clinician is not None:
        ids = [pk for pk in ids if pk == clinician.pk]
    if not ids:
        return {}
    calendar = Calendar(
        protocol=None,
        first_day=first_day,
        last_day=last_day,
        now=now,
        online=online,
        clinician_ids=ids,
    )
    spec = consultation_spec(settings)
    found = {}
    for day in calendar.days():
        openings = calendar.openings(day, spec)
        if openings:
            found[day] = openings
    return found


def consultation_book_locked(
    *,
    patient_id: int,
    protocol: Protocol | None,
    visits: Sequence[ProposedVisit],
    online: bool,
    hold: bool,
    now: datetime,
    rules: BookingRules,
    proposal_id: str,
    topics: Sequence[str] = (),
    message: str = "",
) -> Plan:
    """Inside `booking_transaction` (called by `booking_place`): lock, re-check, write."""
    settings = consultation_settings()
    if settings is None or len(visits) != 1:
        raise SlotUnavailable()
    (visit,) = visits
    start = instant(visit.start)
    if visit.clinician_id not in consultation_clinician_ids(settings):
        raise SlotUnavailable()
    _lock_in_order(
        patient_id=patient_id, clinician_ids=[visit.clinician_id], protocol=None, now=now
    )
    same = (
        Plan.objects.filter(
            patient_id=patient_id,
            kind=PlanKind.CONSULTATION,
            status__in=OPEN_PLAN_STATUSES,
            appointments__start=start,
            appointments__clinician_id=visit.clinician_id,
        )
        .order_by("pk")
        .first()
    )
    if same is not None and (same.status != PlanStatus.HELD or same.hold_is_live(now)):
        return same
    spec = consultation_spec(settings)
    end = end_of(start, spec.minutes)
    _refuse_patient_clash(patient_id, [(start, end)], now)
    calendar = Calendar(
        protocol=None,
        first_day=local_date(start),
        last_day=local_date(start),
        now=now,
        online=online,
        clinician_ids=[visit.clinician_id],
        rules=rules,
    )
    problem = calendar.problem_with(visit.clinician_id, start, spec)
    if problem is not None:
        raise problem
    plan = Plan.objects.create(
        patient_id=patient_id,
        kind=PlanKind.CONSULTATION,
        protocol=protocol,
        clinician_id=visit.clinician_id,
        status=PlanStatus.HELD if hold else PlanStatus.CONFIRMED,
        hold_expires_at=later_by(now, rules.hold) if hold else None,
        confirmed_at=None if hold else now,
        proposal_id=proposal_id,
    )
    Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.CONSULTATION,
        sequence=CONSULTATION_SEQUENCE,
        start=start,
        end=end,
        clinician_id=visit.clinician_id,
    )
    valid = {value for value, _label in ConsultationTopic.choices}
    ConsultationRequest.objects.create(
        plan=plan,
        topics=[topic for topic in topics if topic in valid],
        message=message.strip()[:2000],
    )
    return plan


# --- recommendations -----------------------------------------------------------------------------


def recommendation_create(
    *,
    consultation: Plan,
    protocol: Protocol,
    recommended_by: Clinician,
    clinician: Clinician | None = None,
    earliest_start: date | None = None,
    note: str = "",
) -> tuple[Recommendation, str]:
    """Record a clinician's recommendation; returns it and the link token (stored only hashed)."""
    if consultation.kind != PlanKind.CONSULTATION:
        raise NotFound()
    if clinician is not None and not clinician.protocols.filter(pk=protocol.pk).exists():
        raise SlotUnavailable()
    token = secrets.token_urlsafe(32)
    recommendation = Recommendation.objects.create(
        consultation=consultation,
        protocol=protocol,
        clinician=clinician,
        earliest_start=earliest_start,
        note=note.strip(),
        recommended_by=recommended_by,
        token_hash=token_hash(token),
    )
    return recommendation, token


# A recommendation link works this long: long enough to think it over, not forever.
RECOMMENDATION_LINK_DAYS = 120


def recommendation_find(token: str, *, now: datetime | None = None) -> Recommendation | None:
    """The recommendation this token opens, or None (unknown, malformed or too old)."""
    if not token or len(token) > 100:
        return None
    now = aware(now or timezone.now())
    found = (
        Recommendation.objects.filter(token_hash=token_hash(token))
        .select_related("protocol", "clinician", "consultation__patient")
        .first()
    )
    if found is None or found.created_at + timedelta(days=RECOMMENDATION_LINK_DAYS) < now:
        return None
    return found


def recommendation_link_plan(*, recommendation: Recommendation, plan: Plan) -> bool:
    """Link a plan booked from the recommendation's link (same patient and protocol only)."""
    if (
        plan.patient_id != recommendation.consultation.patient_id
        or plan.protocol_id != recommendation.protocol_id
        or plan.kind != PlanKind.COURSE
    ):
        return False
    updated = Recommendation.objects.filter(pk=recommendation.pk, booked_plan__isnull=True).update(
        booked_plan=plan
    )
    return bool(updated)


def recommendation_first_day(recommendation: Recommendation, now: datetime) -> date | None:
    """The earliest local day the recommended course should start (None: no limit)."""
    if recommendation.earliest_start is None or recommendation.earliest_start <= local_date(now):
        return None
    return recommendation.earliest_start
