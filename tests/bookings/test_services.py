"""Booking services: whole courses or nothing, holds, review, cancel and reschedule."""

import sqlite3
from datetime import timedelta

import pytest
from django.db import OperationalError, transaction

from bookings.engine import services
from bookings.engine.errors import (
    ClinicBusy,
    InvalidPlanState,
    NotFound,
    PatientAlreadyBooked,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
    TreatmentUnavailable,
)
from bookings.engine.placing import ConsentEvidence, plan_consent_record
from bookings.engine.planner import ProposedVisit, course_propose
from bookings.engine.services import (
    appointment_cancel,
    appointment_reschedule,
    plan_book,
    plan_cancel,
    plan_confirm,
    plan_decline,
    plan_release_expired_holds,
    plan_request_review,
)
from bookings.models import Appointment, AppointmentStatus, Patient, Plan, PlanStatus, TimeOff
from tests.bookings.conftest import MONDAY, NOW, at, days_after
from tests.factories import ConsentTextFactory
from treatments.models import Protocol, Source

pytestmark = pytest.mark.django_db

TUESDAY = days_after(MONDAY, 1)


def single_visit(clinician, start, sequence=1, minutes=60) -> list[ProposedVisit]:
    return [
        ProposedVisit(sequence=sequence, start=start, clinician_id=clinician.pk, minutes=minutes)
    ]


@pytest.fixture
def one_session(protocol):
    protocol.session_count = 1
    protocol.save()
    return protocol


def test_a_booked_plan_is_held_while_the_patient_completes_it(one_session, clinician, patient):
    plan = plan_book(
        patient=patient,
        protocol=one_session,
        visits=single_visit(clinician, at(TUESDAY, "10:00")),
        now=NOW,
    )

    plan.refresh_from_db()
    assert plan.status == PlanStatus.HELD
    assert plan.hold_expires_at == NOW + timedelta(minutes=20)
    assert plan.clinician == clinician
    appointment = plan.appointments.get()
    assert (appointment.start, appointment.end) == (at(TUESDAY, "10:00"), at(TUESDAY, "11:00"))
    assert appointment.status == AppointmentStatus.BOOKED


def test_reception_can_confirm_a_booking_at_once(one_session, clinician, patient):
    plan = plan_book(
        patient=patient,
        protocol=one_session,
        visits=single_visit(clinician, at(MONDAY, "11:00")),
        online=False,
        hold=False,
        now=NOW,
    )

    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.CONFIRMED


def test_the_second_booking_of_the_same_slot_is_refused(
    one_session, clinician, patient, another_patient
):
    visits = single_visit(clinician, at(TUESDAY, "10:00"))
    plan_book(patient=patient, protocol=one_session, visits=visits, now=NOW)

    with pytest.raises(SlotTaken) as refusal:
        plan_book(patient=another_patient, protocol=one_session, visits=visits, now=NOW)

    assert refusal.value.message == "That time was just taken. Please choose another time."
    assert not another_patient.plans.exists()
    assert Appointment.objects.count() == 1


def test_an_overlapping_slot_with_the_same_clinician_is_refused(
    one_session, clinician, patient, another_patient
):
    plan_book(
        patient=patient,
        protocol=one_session,
        visits=single_visit(clinician, at(TUESDAY, "10:00")),
        now=NOW,
    )

    with pytest.raises(SlotTaken):
        plan_book(
            patient=another_patient,
            protocol=one_session,
            visits=single_visit(clinician, at(TUESDAY, "10:30")),
            now=NOW,
        )

    assert not another_patient.plans.exists()
    assert Appointment.objects.count() == 1


def test_a_course_whose_third_slot_was_taken_leaves_no_rows(
    protocol, clinician, patient, another_patient, occupy
):
    proposal = course_propose(protocol=protocol, now=NOW)
    occupy(clinician, proposal[2].start)

    with pytest.raises(SlotTaken):
        plan_book(patient=patient, protocol=protocol, visits=proposal, now=NOW)

    assert not patient.plans.exists()
    assert Appointment.objects.filter(plan__patient=patient).count() == 0


def test_a_time_outside_working_hours_is_unavailable_not_taken(one_session, clinician, patient):
    with pytest.raises(SlotUnavailable):
        plan_book(
            patient=patient,
            protocol=one_session,
            visits=single_visit(clinician, at(TUESDAY, "19:00")),
            now=NOW,
        )
    assert not Plan.objects.exists()


@pytest.mark.parametrize("leave", ["clinician", "whole clinic"])
def test_a_time_during_time_off_is_unavailable_not_taken(one_session, clinician, patient, leave):
    TimeOff.objects.create(
        clinician=clinician if leave == "clinician" else None,
        start=at(TUESDAY, "00:00"),
        end=at(days_after(TUESDAY, 1), "00:00"),
    )

    with pytest.raises(SlotUnavailable):
        plan_book(
            patient=patient,
            protocol=one_session,
            visits=single_visit(clinician, at(TUESDAY, "10:00")),
            now=NOW,
        )
    assert not Plan.objects.exists()


def test_a_laser_session_with_no_working_laser_is_unavailable_not_taken(
    laser_protocol, clinician, patient
):
    laser_protocol.session_count = 1
    laser_protocol.save()

    with pytest.raises(SlotUnavailable):
        plan_book(
            patient=patient,
            protocol=laser_protocol,
            visits=single_visit(clinician, at(TUESDAY, "10:00")),
            now=NOW,
        )
    assert not Plan.objects.exists()


def test_a_laser_session_reserves_a_free_laser(laser_protocol, clinician, laser, patient):
    laser_protocol.session_count = 1
    laser_protocol.save()

    plan = plan_book(
        patient=patient,
        protocol=laser_protocol,
        visits=single_visit(clinician, at(TUESDAY, "10:00")),
        now=NOW,
    )

    assert plan.appointments.get().device == laser


def test_an_expired_hold_gives_its_time_to_the_next_patient(
    one_session, clinician, patient, another_patient
):
    visits = single_visit(clinician, at(TUESDAY, "10:00"))
    abandoned = plan_book(patient=patient, protocol=one_session, visits=visits, now=NOW)

    later = NOW + timedelta(minutes=21)
    plan = plan_book(patient=another_patient, protocol=one_session, visits=visits, now=later)

    abandoned.refresh_from_db()
    assert abandoned.status == PlanStatus.CANCELLED
    assert abandoned.appointments.get().status == AppointmentStatus.CANCELLED
    assert plan.appointments.get().status == AppointmentStatus.BOOKED


def test_releasing_expired_holds_frees_only_expired_ones(
    one_session, clinician, second_clinician, patient
):
    expired = plan_book(
        patient=patient,
        protocol=one_session,
        visits=single_visit(clinician, at(TUESDAY, "10:00")),
        now=NOW - timedelta(hours=1),
    )
    live = plan_book(
        patient=patient,
        protocol=one_session,
        visits=single_visit(second_clinician, at(TUESDAY, "14:00")),
        now=NOW,
    )

    assert plan_release_expired_holds(now=NOW) == 1

    assert Plan.objects.get(pk=expired.pk).status == PlanStatus.CANCELLED
    assert Plan.objects.get(pk=live.pk).status == PlanStatus.HELD


@pytest.fixture
def held_plan(one_session, clinician, patient):
    """A held course the patient has consented to (as when they confirm online)."""
    plan = plan_book(
        patient=patient,
        protocol=one_session,
        visits=single_visit(clinician, at(TUESDAY, "10:00")),
        now=NOW,
    )
    return plan_consent_record(
        plan=plan, consent=ConsentEvidence(text=ConsentTextFactory()), now=NOW
    )


@pytest.mark.parametrize("change", ["reschedule", "cancel"])
def test_a_hold_that_ran_out_cannot_be_changed(held_plan, change):
    appointment = held_plan.appointments.get()
    later = NOW + timedelta(minutes=21)

    with pytest.raises(InvalidPlanState, match="ran out"):
        if change == "reschedule":
            appointment_reschedule(
                appointment=appointment, new_start=at(TUESDAY, "14:00"), now=later
            )
        else:
            appointment_cancel(appointment=appointment, now=later)

    untouched = Appointment.objects.get(pk=appointment.pk)
    assert (untouched.start, untouched.status) == (at(TUESDAY, "10:00"), AppointmentStatus.BOOKED)
    assert Plan.objects.get(pk=held_plan.pk).status == PlanStatus.HELD


def test_confirming_a_held_plan(held_plan):
    plan_confirm(plan=held_plan, now=NOW + timedelta(minutes=5))

    held_plan.refresh_from_db()
    assert held_plan.status == PlanStatus.CONFIRMED
    assert held_plan.hold_expires_at is None


def test_a_hold_that_ran_out_cannot_be_confirmed(held_plan):
    with pytest.raises(InvalidPlanState, match="ran out"):
        plan_confirm(plan=held_plan, now=NOW + timedelta(minutes=25))

    assert Plan.objects.get(pk=held_plan.pk).status == PlanStatus.HELD


def test_a_plan_awaiting_review_needs_a_clinician_to_confirm_it(held_plan, clinician):
    plan_request_review(plan=held_plan)
    assert Plan.objects.get(pk=held_plan.pk).status == PlanStatus.AWAITING_REVIEW

    with pytest.raises(InvalidPlanState, match=r"A clinician must review this plan first\."):
        plan_confirm(plan=held_plan, now=NOW)
    assert Plan.objects.get(pk=held_plan.pk).status == PlanStatus.AWAITING_REVIEW

    plan_confirm(plan=held_plan, reviewer=clinician, note="Stop aspirin 3 days before.", now=NOW)
    held_plan.refresh_from_db()
    assert held_plan.status == PlanStatus.CONFIRMED
    assert held_plan.reviewed_by == clinician
    assert held_plan.review_note == "Stop aspirin 3 days before."
    assert held_plan.reviewed_at == NOW


def test_a_plan_awaiting_review_keeps_its_times_past_the_hold(held_plan, clinician):
    plan_request_review(plan=held_plan)

    plan_confirm(plan=held_plan, reviewer=clinician, now=NOW + timedelta(days=1))

    assert Plan.objects.get(pk=held_plan.pk).status == PlanStatus.CONFIRMED


def test_declining_a_plan_frees_its_times(held_plan, clinician):
    plan_request_review(plan=held_plan)

    plan_decline(plan=held_plan, reviewer=clinician, note="Active eczema at the site.", now=NOW)

    held_plan.refresh_from_db()
    assert held_plan.status == PlanStatus.DECLINED
    assert held_plan.review_note == "Active eczema at the site."
    assert not held_plan.appointments.active().exists()


def test_a_declined_plan_cannot_be_confirmed(held_plan, clinician):
    plan_decline(plan=held_plan, reviewer=clinician, now=NOW)

    with pytest.raises(InvalidPlanState):
        plan_confirm(plan=held_plan, reviewer=clinician, now=NOW)

    assert Plan.objects.get(pk=held_plan.pk).status == PlanStatus.DECLINED
    assert not held_plan.appointments.active().exists()


@pytest.fixture
def confirmed_course(protocol, clinician, patient):
    plan = plan_book(
        patient=patient,
        protocol=protocol,
        visits=course_propose(protocol=protocol, now=NOW),
        now=NOW,
    )
    return plan_confirm(plan=plan, now=NOW)


def test_cancelling_one_session_frees_its_slot(confirmed_course, protocol, another_patient):
    third = confirmed_course.appointments.get(sequence=3)

    appointment_cancel(appointment=third, now=NOW)

    third.refresh_from_db()
    assert third.status == AppointmentStatus.CANCELLED
    assert Plan.objects.get(pk=confirmed_course.pk).status == PlanStatus.CONFIRMED
    protocol.session_count = 1
    protocol.save()
    other = plan_book(
        patient=another_patient,
        protocol=protocol,
        visits=[ProposedVisit(1, third.start, third.clinician_id, 60)],
        now=NOW,
    )
    assert other.appointments.get().start == third.start


def test_cancelling_the_last_active_session_cancels_the_plan(confirmed_course):
    for appointment in confirmed_course.appointments.order_by("sequence"):
        appointment_cancel(appointment=appointment, now=NOW)

    assert Plan.objects.get(pk=confirmed_course.pk).status == PlanStatus.CANCELLED


def test_cancelling_every_session_of_an_autologous_course_cancels_its_preparation_visit(
    prp_protocol, clinician, patient
):
    plan = plan_book(
        patient=patient,
        protocol=prp_protocol,
        visits=course_propose(protocol=prp_protocol, now=NOW),
        now=NOW,
        hold=False,
    )

    for session in plan.appointments.filter(sequence__gte=1).order_by("sequence"):
        appointment_cancel(appointment=session, now=NOW)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    assert not plan.appointments.active().exists()


def test_patients_cannot_cancel_online_within_the_notice_period(confirmed_course):
    first = confirmed_course.appointments.get(sequence=1)
    shortly_before = first.start - timedelta(hours=23)

    with pytest.raises(TooLateToChange) as refusal:
        appointment_cancel(appointment=first, now=shortly_before)

    assert "up to 24 hours before" in refusal.value.message
    assert Appointment.objects.get(pk=first.pk).status == AppointmentStatus.BOOKED

    appointment_cancel(appointment=first, online=False, now=shortly_before)
    assert Appointment.objects.get(pk=first.pk).status == AppointmentStatus.CANCELLED


def test_the_preparation_visit_cannot_be_cancelled_on_its_own(prp_protocol, clinician, patient):
    plan = plan_book(
        patient=patient,
        protocol=prp_protocol,
        visits=course_propose(protocol=prp_protocol, now=NOW),
        now=NOW,
    )

    with pytest.raises(InvalidPlanState, match="cannot be cancelled on its own"):
        appointment_cancel(appointment=plan.appointments.get(sequence=0), now=NOW)

    assert plan.appointments.active().count() == 4
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.HELD


def test_cancelling_a_plan_frees_every_upcoming_visit(confirmed_course):
    plan_cancel(plan=confirmed_course, now=NOW)

    confirmed_course.refresh_from_db()
    assert confirmed_course.status == PlanStatus.CANCELLED
    assert not confirmed_course.appointments.active().exists()


def test_rescheduling_onto_a_taken_time_is_refused(confirmed_course, occupy, clinician):
    third = confirmed_course.appointments.get(sequence=3)
    taken = third.start + timedelta(days=1)
    occupy(clinician, taken)

    with pytest.raises(SlotTaken):
        appointment_reschedule(appointment=third, new_start=taken, now=NOW)

    assert Appointment.objects.get(pk=third.pk).start == third.start


def test_rescheduling_may_move_a_session_to_another_clinician(confirmed_course, second_clinician):
    third = confirmed_course.appointments.get(sequence=3)
    new_start = third.start + timedelta(days=1, hours=2)

    appointment_reschedule(
        appointment=third, new_start=new_start, clinician=second_clinician, now=NOW
    )

    third.refresh_from_db()
    assert (third.start, third.clinician) == (new_start, second_clinician)


def test_rescheduling_online_within_the_notice_period_is_refused(confirmed_course):
    first = confirmed_course.appointments.get(sequence=1)

    with pytest.raises(TooLateToChange):
        appointment_reschedule(
            appointment=first,
            new_start=first.start + timedelta(days=1),
            now=first.start - timedelta(hours=2),
        )

    assert Appointment.objects.get(pk=first.pk).start == first.start


def test_a_lock_failure_becomes_a_friendly_busy_error(held_plan, monkeypatch):
    def locked(*args, **kwargs):
        # What Django raises when SQLite's busy timeout runs out: the driver's error, with its
        # result code, as the cause. The words do not matter (they could be in any language).
        busy = sqlite3.OperationalError("Datenbank ist gesperrt")
        busy.sqlite_errorcode = 5  # SQLITE_BUSY
        raise OperationalError(str(busy)) from busy

    # The engine's lock (engine.locks.lock_plans) is where a lock wait runs out.
    monkeypatch.setattr(services, "lock_plans", locked)

    with pytest.raises(ClinicBusy) as refusal:
        plan_cancel(plan=held_plan, now=NOW)

    assert "please try again" in refusal.value.message
    assert Plan.objects.get(pk=held_plan.pk).status == PlanStatus.HELD


# --- plan states and stored rows (issue 8, item 4) ---------------------------------------------


def test_a_plan_whose_hold_ran_out_cannot_be_cancelled(held_plan):
    with pytest.raises(InvalidPlanState, match="ran out"):
        plan_cancel(plan=held_plan, now=NOW + timedelta(minutes=21))

    assert Plan.objects.get(pk=held_plan.pk).status == PlanStatus.HELD
    assert held_plan.appointments.get().status == AppointmentStatus.BOOKED


def test_a_stale_plan_id_on_the_callers_object_does_not_decide(
    held_plan, confirmed_course, another_patient
):
    # The caller's object claims to belong to a confirmed course; the stored appointment belongs
    # to a held plan whose hold ran out. The stored row decides.
    appointment = held_plan.appointments.get()
    appointment.plan_id = confirmed_course.pk

    with pytest.raises(InvalidPlanState, match="ran out"):
        appointment_reschedule(
            appointment=appointment,
            new_start=at(TUESDAY, "14:00"),
            online=False,
            now=NOW + timedelta(minutes=21),
        )

    assert Appointment.objects.get(pk=appointment.pk).start == at(TUESDAY, "10:00")
    assert Appointment.objects.get(pk=appointment.pk).plan_id == held_plan.pk


@pytest.mark.parametrize("service", ["reschedule", "cancel", "plan_cancel", "confirm"])
def test_an_unknown_id_is_a_clear_error(held_plan, service):
    gone_appointment = Appointment(pk=987_654, plan_id=held_plan.pk)
    gone_plan = Plan(pk=987_654)

    with pytest.raises(NotFound) as refusal:
        if service == "reschedule":
            appointment_reschedule(
                appointment=gone_appointment, new_start=at(TUESDAY, "14:00"), now=NOW
            )
        elif service == "cancel":
            appointment_cancel(appointment=gone_appointment, now=NOW)
        elif service == "plan_cancel":
            plan_cancel(plan=gone_plan, now=NOW)
        else:
            plan_confirm(plan=gone_plan, now=NOW)

    assert refusal.value.message
    assert Plan.objects.get(pk=held_plan.pk).status == PlanStatus.HELD


def test_booking_for_a_deleted_patient_is_a_clear_error(one_session, clinician, patient):
    patient_id = patient.pk
    Patient.objects.filter(pk=patient_id).delete()

    with pytest.raises(NotFound, match="patient"):
        plan_book(
            patient=patient,
            protocol=one_session,
            visits=single_visit(clinician, at(TUESDAY, "10:00")),
            now=NOW,
        )

    assert not Plan.objects.exists()
    assert not Appointment.objects.exists()


def test_an_unpublished_protocol_cannot_be_booked(one_session, clinician, patient):
    Protocol.objects.filter(pk=one_session.pk).update(published=False)

    with pytest.raises(TreatmentUnavailable, match="cannot be booked"):
        plan_book(
            patient=patient,
            protocol=one_session,  # the caller's copy still says published
            visits=single_visit(clinician, at(TUESDAY, "10:00")),
            now=NOW,
        )

    assert not Plan.objects.exists()


@pytest.mark.parametrize("naive", ["start", "now"])
def test_a_naive_datetime_is_refused_with_an_error(one_session, clinician, patient, naive):
    start = at(TUESDAY, "10:00")
    with pytest.raises(SlotUnavailable, match="time zone"):
        plan_book(
            patient=patient,
            protocol=one_session,
            visits=single_visit(
                clinician, start.replace(tzinfo=None) if naive == "start" else start
            ),
            now=NOW.replace(tzinfo=None) if naive == "now" else NOW,
        )

    assert not Plan.objects.exists()


# --- idempotency and the patient's own clashes (item 5) ---------------------------------------


def test_booking_the_same_course_again_returns_the_plan_already_held(protocol, clinician, patient):
    course = course_propose(protocol=protocol, now=NOW)
    first = plan_book(patient=patient, protocol=protocol, visits=course, now=NOW)

    again = plan_book(patient=patient, protocol=protocol, visits=course, now=NOW)

    assert again.pk == first.pk
    assert Plan.objects.count() == 1
    assert Appointment.objects.count() == 3


def test_another_patient_booking_the_same_course_is_still_refused(
    protocol, clinician, patient, another_patient
):
    course = course_propose(protocol=protocol, now=NOW)
    plan_book(patient=patient, protocol=protocol, visits=course, now=NOW)

    with pytest.raises(SlotTaken):
        plan_book(patient=another_patient, protocol=protocol, visits=course, now=NOW)

    assert not another_patient.plans.exists()
    assert Appointment.objects.count() == 3


def test_confirming_a_confirmed_plan_changes_nothing_and_returns_it(held_plan, clinician):
    plan_request_review(plan=held_plan, now=NOW)
    plan_confirm(plan=held_plan, reviewer=clinician, note="Fine.", now=NOW)

    again = plan_confirm(plan=held_plan, now=NOW + timedelta(days=2))

    assert again.pk == held_plan.pk
    stored = Plan.objects.get(pk=held_plan.pk)
    assert (stored.status, stored.reviewed_at, stored.review_note) == (
        PlanStatus.CONFIRMED,
        NOW,
        "Fine.",
    )


def test_a_patient_cannot_be_booked_into_two_overlapping_visits(
    one_session, clinician, second_clinician, patient
):
    plan_book(
        patient=patient,
        protocol=one_session,
        visits=single_visit(clinician, at(TUESDAY, "10:00")),
        now=NOW,
    )

    with pytest.raises(PatientAlreadyBooked) as refusal:
        plan_book(
            patient=patient,
            protocol=one_session,
            visits=single_visit(second_clinician, at(TUESDAY, "10:30")),
            now=NOW,
        )

    assert "already have another appointment" in refusal.value.message
    assert Plan.objects.count() == 1
    assert not Appointment.objects.filter(clinician=second_clinician).exists()


def test_a_visit_cannot_be_moved_onto_another_visit_of_the_same_patient(
    one_session, clinician, second_clinician, patient
):
    plan_book(
        patient=patient,
        protocol=one_session,
        visits=single_visit(clinician, at(TUESDAY, "10:00")),
        now=NOW,
    )
    other = plan_book(
        patient=patient,
        protocol=one_session,
        visits=single_visit(second_clinician, at(TUESDAY, "14:00")),
        now=NOW,
    ).appointments.get()

    with pytest.raises(PatientAlreadyBooked):
        appointment_reschedule(appointment=other, new_start=at(TUESDAY, "10:15"), now=NOW)

    assert Appointment.objects.get(pk=other.pk).start == at(TUESDAY, "14:00")


# --- "not available" vs "just taken" (item 6) -------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        at(TUESDAY, "10:00") + timedelta(seconds=30),
        at(TUESDAY, "10:00") + timedelta(microseconds=1),
        at(TUESDAY, "10:05"),
    ],
    ids=["seconds", "microseconds", "off the 15-minute steps"],
)
def test_an_odd_start_is_not_available_rather_than_taken(one_session, clinician, patient, start):
    with pytest.raises(SlotUnavailable):
        plan_book(
            patient=patient, protocol=one_session, visits=single_visit(clinician, start), now=NOW
        )

    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    "start",
    [at(TUESDAY, "10:00") + timedelta(microseconds=1), at(TUESDAY, "10:05")],
    ids=["microseconds", "off the 15-minute steps"],
)
def test_the_planner_calls_an_odd_first_start_not_available(protocol, clinician, start):
    with pytest.raises(SlotUnavailable):
        course_propose(protocol=protocol, first_start=start, now=NOW)


def test_the_planner_calls_a_booked_first_start_taken(protocol, clinician, occupy):
    occupy(clinician, at(TUESDAY, "10:00"))

    with pytest.raises(SlotTaken):
        course_propose(protocol=protocol, first_start=at(TUESDAY, "10:00"), now=NOW)


# --- durable transactions (item 9) -------------------------------------------------------------


def test_a_service_refuses_to_run_inside_the_callers_transaction(one_session, clinician, patient):
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        plan_book(
            patient=patient,
            protocol=one_session,
            visits=single_visit(clinician, at(TUESDAY, "10:00")),
            now=NOW,
        )

    assert not Plan.objects.exists()


def test_a_ready_made_course_without_its_product_cannot_be_booked_on_any_channel(
    one_session, clinician, patient
):
    """The patient consents to a course of an unapproved product: they must know which one, so
    the engine refuses the course (by phone too) until the clinic names the product."""
    assert one_session.source == Source.MSC_READY_MADE
    Protocol.objects.filter(pk=one_session.pk).update(product=None)

    with pytest.raises(TreatmentUnavailable, match="cannot be booked"):
        plan_book(
            patient=patient,
            protocol=one_session,
            visits=single_visit(clinician, at(TUESDAY, "10:00")),
            hold=False,
            now=NOW,
        )

    assert not Plan.objects.exists()
