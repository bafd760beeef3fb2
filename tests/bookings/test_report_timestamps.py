"""The timestamps the clinic's reports read: when a visit was cancelled, when a plan went to
review and when it was first confirmed."""

from datetime import timedelta

import pytest

from bookings.engine.placing import ConsentEvidence, plan_consent_record
from bookings.engine.planner import course_propose
from bookings.engine.services import (
    appointment_cancel,
    plan_book,
    plan_cancel,
    plan_confirm,
    plan_request_review,
)
from bookings.models import Appointment, AppointmentStatus, Plan, PlanStatus
from tests.bookings.conftest import NOW
from tests.factories import ConsentTextFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(protocol, clinician):
    def make(*, hold: bool = True) -> Plan:
        visits = course_propose(protocol=protocol, now=NOW)
        return plan_book(
            patient=PatientFactory(), protocol=protocol, visits=visits, hold=hold, now=NOW
        )

    return make


def test_reception_booking_is_confirmed_at_once(booked):
    plan = booked(hold=False)

    assert plan.confirmed_at == NOW
    assert plan.review_requested_at is None


def test_review_then_approval_stamps_both_times(booked, clinician):
    plan = booked()
    plan_consent_record(plan=plan, consent=ConsentEvidence(text=ConsentTextFactory()), now=NOW)
    later = NOW + timedelta(minutes=5)
    plan_request_review(plan=plan, now=later)
    decided = NOW + timedelta(hours=30)
    plan_confirm(plan=plan, reviewer=clinician, now=decided)

    plan.refresh_from_db()
    assert (plan.review_requested_at, plan.reviewed_at, plan.confirmed_at) == (
        later,
        decided,
        decided,
    )


def test_cancelling_a_session_or_the_course_stamps_when(booked):
    plan = booked(hold=False)
    first, *rest = plan.appointments.order_by("sequence")
    when = NOW + timedelta(hours=1)

    appointment_cancel(appointment=first, online=False, now=when)
    plan_cancel(plan=plan, online=False, now=when + timedelta(hours=1))

    cancelled = dict(Appointment.objects.filter(plan=plan).values_list("pk", "cancelled_at"))
    assert cancelled[first.pk] == when
    assert {cancelled[visit.pk] for visit in rest} == {when + timedelta(hours=1)}
    assert set(Appointment.objects.filter(plan=plan).values_list("status", flat=True)) == {
        AppointmentStatus.CANCELLED
    }


def test_a_hold_that_runs_out_is_never_confirmed(booked):
    plan = booked()
    plan_cancel(plan=plan, online=False, now=NOW + timedelta(minutes=1))

    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    assert plan.confirmed_at is None
