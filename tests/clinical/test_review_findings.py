"""Findings of an adversarial review of the clinical services: each test names a way the code
was broken."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, PlanStatus
from clinical import services
from clinical.models import TreatmentRecord

pytestmark = pytest.mark.django_db


def details() -> services.TreatmentDetails:
    return services.TreatmentDetails(
        product_name="ExoSkin",
        lot_number="X1",
        expiry_date=timezone.localdate() + timedelta(days=300),
        areas=["cheeks"],
        needle_depth_mm=Decimal("0.5"),
        passes=1,
    )


def test_a_record_is_refused_by_the_sessions_stored_plan_not_the_callers_plan_id(
    make_plan, clinician, patient
):
    started = timezone.now() - timedelta(hours=1)
    awaiting = make_plan(
        clinician=clinician, patient=patient, status=PlanStatus.AWAITING_REVIEW, first_start=started
    )
    confirmed = make_plan(
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
        first_start=started - timedelta(days=2),
    )
    stale = Appointment.objects.get(plan=awaiting, sequence=1)
    stale.plan_id = confirmed.pk  # a stale or tampered object

    with pytest.raises(services.RecordRefused):
        services.treatment_record_complete(
            appointment=stale, clinician=clinician, details=details()
        )

    assert TreatmentRecord.objects.count() == 0
    assert Appointment.objects.get(pk=stale.pk).status == AppointmentStatus.BOOKED


def test_recording_the_only_session_completes_the_course_through_the_one_rule(
    make_plan, clinician, patient
):
    plan = make_plan(
        sessions=1,
        clinician=clinician,
        patient=patient,
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(hours=1),
    )
    session = plan.appointments.get(sequence=1)

    services.treatment_record_complete(appointment=session, clinician=clinician, details=details())

    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert plan.hold_expires_at is None
