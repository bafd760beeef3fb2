"""Demo data for care after the visit: past courses of fictional patients on two demo lots, their
follow-up answers (one urgent, waiting on the dashboard), one adverse event, and outcome answers —
enough for the outcomes page to draw its charts. Created once; never touches other rows.

Everything here is fictional: the patients have @example.com addresses (reserved for examples)
and the products say "demo".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Clinician,
    ConsentText,
    Patient,
    Plan,
    PlanStatus,
)
from clinical.models import (
    AdverseEvent,
    CourseOutcome,
    FollowUp,
    Lot,
    TreatmentRecord,
)
from treatments.models import Product, Protocol

LOTS = ("DEMO-UC-2601", "DEMO-UC-2602")
PATIENTS = 24
LANGUAGES = ("en", "de", "tr")
PROTOCOL_SLUGS = ("skin-renewal-microneedling-msc", "barrier-support-single-msc")
# The patients' impression of change, cycled: mostly improved, some no change, one worse.
IMPRESSIONS = (4, 3, 4, 5, 3, 2, 4, 3, 2, 4, 5, 3, 1, 4, 3, 3, 4, 2, 3, 4)
MILD = {
    "redness": "mild",
    "swelling": "mild",
    "pain": "none",
    "bruising": "none",
    "itching": "mild",
    "crusting": "none",
    "dark_patches": "none",
    "infection": "none",
}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


@transaction.atomic
def seed_aftercare(*, clinician: Clinician, today: date) -> int:
    """Create the demo courses (once). Returns how many patients were added (0 if present)."""
    product = Product.objects.filter(is_demo=True, source="donor").first()
    protocols = list(Protocol.objects.filter(slug__in=PROTOCOL_SLUGS).order_by("slug"))
    if product is None or not protocols or Lot.objects.filter(lot_number__in=LOTS).exists():
        return 0
    lots = [
        Lot.objects.create(
            product=product,
            lot_number=number,
            expiry_date=today + timedelta(days=300),
            received_on=today - timedelta(days=200),
            quantity_received=60,
        )
        for number in LOTS
    ]
    consent = ConsentText.objects.order_by("-published_at").first()
    now = timezone.now()
    for index in range(PATIENTS):
        language = LANGUAGES[index % 3]
        patient = Patient.objects.create(
            full_name=f"Demo Aftercare {index + 1:02d}",
            email=f"demo.aftercare.{index + 1:02d}@example.com",
            date_of_birth=date(1970 + index, 1 + index % 12, 1 + index % 27),
            preferred_language=language,
        )
        protocol = protocols[index % len(protocols)]
        plan = Plan.objects.create(
            patient=patient,
            protocol=protocol,
            clinician=clinician,
            status=PlanStatus.COMPLETED,
            consent_text=consent,
            consented_at=now - timedelta(days=200),
            consent_language=language,
        )
        lot = lots[(index // 2) % 2]  # lots and protocols cross, so their groups differ
        # Each patient on their own days (i days apart), so no two visits overlap.
        first_day = today - timedelta(days=170 - index)
        for sequence in range(1, protocol.session_count + 1):
            start = _at(first_day + timedelta(days=28 * (sequence - 1)), 8)
            session = Appointment.objects.create(
                plan=plan,
                kind=AppointmentKind.SESSION,
                sequence=sequence,
                start=start,
                end=start + timedelta(minutes=protocol.session_minutes),
                clinician=clinician,
                status=AppointmentStatus.COMPLETED,
            )
            TreatmentRecord.objects.create(
                appointment=session,
                lot=lot,
                product_name=product.name,
                lot_number=lot.lot_number,
                expiry_date=lot.expiry_date,
                needle_depth_mm="0.50",
                passes=2,
                areas=["full_face"],
                recorded_by=clinician,
            )
            answered = (index + sequence) % 4 != 0
            FollowUp.objects.create(
                appointment=session,
                token_hash=f"demo-{session.pk:059d}",
                sent_at=start + timedelta(hours=48),
                expires_at=start + timedelta(days=16),
                answered_at=start + timedelta(hours=52) if answered else None,
                **(MILD if answered else {}),
            )
        if index < len(IMPRESSIONS):
            CourseOutcome.objects.create(
                plan=plan,
                token_hash=f"demo-outcome-{plan.pk:051d}",
                sent_at=now - timedelta(days=10),
                expires_at=now - timedelta(days=10) + timedelta(days=14),
                answered_at=now - timedelta(days=9),
                impression=IMPRESSIONS[index],
                satisfaction=max(1, IMPRESSIONS[index]),
                would_again=IMPRESSIONS[index] >= 3,
                clinician_impression=IMPRESSIONS[index] if index % 3 == 0 else None,
                rated_by=clinician if index % 3 == 0 else None,
            )

    # An adverse event a clinician confirmed from a follow-up (moderate, not serious).
    event_session = (
        Appointment.objects.filter(plan__patient__email="demo.aftercare.03@example.com")
        .order_by("start")
        .first()
    )
    event_follow_up = event_session.follow_up
    FollowUp.objects.filter(pk=event_follow_up.pk).update(
        swelling="moderate",
        crusting="moderate",
        answered_at=event_session.start + timedelta(hours=50),
    )
    AdverseEvent.objects.create(
        appointment=event_session,
        lot=event_session.treatment_record.lot,
        follow_up=event_follow_up,
        onset=event_session.start.date() + timedelta(days=1),
        description="Demo: swelling and crusting on both cheeks from day 1, treated with cool "
        "compresses; settled within 6 days.",
        severity="moderate",
        outcome="resolved",
        relatedness="possible",
        reported_by=clinician,
    )

    # The urgent item: a session two days ago, answered this morning with severe swelling and
    # signs of infection; it waits on the clinician dashboard.
    patient = Patient.objects.create(
        full_name="Demo Aftercare Urgent",
        email="demo.aftercare.urgent@example.com",
        date_of_birth=date(1985, 5, 17),
        preferred_language="de",
        phone="+49 30 1234 0000",
    )
    single = min(protocols, key=lambda protocol: protocol.session_count)
    plan = Plan.objects.create(
        patient=patient,
        protocol=single,
        clinician=clinician,
        status=PlanStatus.COMPLETED if single.session_count == 1 else PlanStatus.CONFIRMED,
        consent_text=consent,
        consented_at=now - timedelta(days=10),
        consent_language="de",
    )
    start = _at(today - timedelta(days=2), 7)
    session = Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.SESSION,
        sequence=1,
        start=start,
        end=start + timedelta(minutes=single.session_minutes),
        clinician=clinician,
        status=AppointmentStatus.COMPLETED,
    )
    TreatmentRecord.objects.create(
        appointment=session,
        lot=lots[0],
        product_name=product.name,
        lot_number=lots[0].lot_number,
        expiry_date=lots[0].expiry_date,
        needle_depth_mm="0.50",
        passes=2,
        areas=["cheeks"],
        recorded_by=clinician,
    )
    FollowUp.objects.create(
        appointment=session,
        token_hash=f"demo-{session.pk:059d}",
        sent_at=start + timedelta(hours=48),
        expires_at=start + timedelta(days=16),
        answered_at=min(now, start + timedelta(hours=49)),
        **{**MILD, "swelling": "severe", "infection": "moderate", "pain": "moderate"},
        comment="Demo: Wange seit gestern stark geschwollen, heute Morgen 38,4 °C.",
        urgent=True,
    )
    return PATIENTS + 1
