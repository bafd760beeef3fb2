"""A course keeps its timing rules when it is booked and when a visit is moved."""

from datetime import timedelta

import pytest

from bookings.engine.errors import CourseRuleBroken
from bookings.engine.planner import ProposedVisit
from bookings.engine.rules import Visit, day_window_between, day_window_for
from bookings.engine.rules import timing_problems as course_rule_problems
from bookings.engine.services import appointment_cancel, appointment_reschedule, plan_book
from bookings.models import Appointment, Plan
from tests.bookings.conftest import MONDAY, NOW, at, days_after

pytestmark = pytest.mark.django_db

TUESDAY = days_after(MONDAY, 1)


def course(clinician, *days_and_times, first_sequence: int = 1, minutes=(60,)):
    return [
        ProposedVisit(
            sequence=first_sequence + index,
            start=at(day, time),
            clinician_id=clinician.pk,
            minutes=minutes[min(index, len(minutes) - 1)],
        )
        for index, (day, time) in enumerate(days_and_times)
    ]


def test_a_course_keeping_its_intervals_is_booked_whole(protocol, clinician, patient):
    visits = course(
        clinician,
        (TUESDAY, "10:00"),
        (days_after(TUESDAY, 21), "10:00"),
        (days_after(TUESDAY, 56), "10:00"),
    )

    plan = plan_book(patient=patient, protocol=protocol, visits=visits, now=NOW)

    assert [a.sequence for a in plan.appointments.order_by("sequence")] == [1, 2, 3]
    assert plan.appointments.get(sequence=3).start == at(days_after(TUESDAY, 56), "10:00")


def test_a_session_inside_the_minimum_interval_is_refused(protocol, clinician, patient):
    visits = course(
        clinician,
        (TUESDAY, "10:00"),
        (days_after(TUESDAY, 14), "10:00"),
        (days_after(TUESDAY, 40), "10:00"),
    )

    with pytest.raises(CourseRuleBroken) as refusal:
        plan_book(patient=patient, protocol=protocol, visits=visits, now=NOW)

    assert refusal.value.message == (
        "Session 2 must be at least 21 days after session 1; these are 14 days apart."
    )
    assert not Plan.objects.exists()
    assert not Appointment.objects.exists()


def test_a_session_past_the_maximum_interval_is_refused(protocol, clinician, patient):
    visits = course(
        clinician,
        (TUESDAY, "10:00"),
        (days_after(TUESDAY, 21), "10:00"),
        (days_after(TUESDAY, 21 + 36), "10:00"),
    )

    with pytest.raises(CourseRuleBroken) as refusal:
        plan_book(patient=patient, protocol=protocol, visits=visits, now=NOW)

    assert "Session 3 must be at most 35 days after session 2; these are 36 days" in (
        refusal.value.message
    )
    assert not Plan.objects.exists()


def test_session_one_before_the_lab_lead_time_is_refused(prp_protocol, clinician, patient):
    visits = course(
        clinician,
        (TUESDAY, "09:00"),
        (days_after(TUESDAY, 10), "10:00"),
        (days_after(TUESDAY, 31), "10:00"),
        (days_after(TUESDAY, 52), "10:00"),
        first_sequence=0,
        minutes=(30, 60),
    )

    with pytest.raises(CourseRuleBroken) as refusal:
        plan_book(patient=patient, protocol=prp_protocol, visits=visits, now=NOW)

    assert "Session 1 must be at least 14 days after the preparation visit" in (
        refusal.value.message
    )
    assert not Appointment.objects.exists()


def test_an_autologous_course_without_its_preparation_visit_is_refused(
    prp_protocol, clinician, patient
):
    visits = course(
        clinician,
        (TUESDAY, "10:00"),
        (days_after(TUESDAY, 21), "10:00"),
        (days_after(TUESDAY, 42), "10:00"),
    )

    with pytest.raises(CourseRuleBroken) as refusal:
        plan_book(patient=patient, protocol=prp_protocol, visits=visits, now=NOW)

    assert refusal.value.message == "This course is a preparation visit and 3 sessions."
    assert not Plan.objects.exists()


def test_a_course_with_a_missing_session_is_refused(protocol, clinician, patient):
    visits = course(clinician, (TUESDAY, "10:00"), (days_after(TUESDAY, 21), "10:00"))

    with pytest.raises(CourseRuleBroken, match=r"This course is 3 sessions\."):
        plan_book(patient=patient, protocol=protocol, visits=visits, now=NOW)

    assert not Plan.objects.exists()
    assert not Appointment.objects.exists()


@pytest.fixture
def booked_course(protocol, clinician, patient):
    visits = course(
        clinician,
        (TUESDAY, "10:00"),
        (days_after(TUESDAY, 28), "10:00"),
        (days_after(TUESDAY, 50), "10:00"),
    )
    return plan_book(patient=patient, protocol=protocol, visits=visits, now=NOW)


def test_moving_a_session_too_close_to_the_previous_one_is_refused(booked_course):
    second = booked_course.appointments.get(sequence=2)

    with pytest.raises(CourseRuleBroken) as refusal:
        appointment_reschedule(
            appointment=second, new_start=at(days_after(TUESDAY, 20), "10:00"), now=NOW
        )

    assert refusal.value.message.startswith("Session 2 must be at least 21 days after session 1")
    second.refresh_from_db()
    assert second.start == at(days_after(TUESDAY, 28), "10:00")


def test_moving_a_session_too_far_from_the_next_one_is_refused(booked_course):
    second = booked_course.appointments.get(sequence=2)

    with pytest.raises(CourseRuleBroken) as refusal:
        appointment_reschedule(
            appointment=second, new_start=at(days_after(TUESDAY, 30), "10:00"), now=NOW
        )

    assert refusal.value.message == (
        "Session 3 must be at least 21 days after session 2; these are 20 days apart."
    )
    second.refresh_from_db()
    assert second.start == at(days_after(TUESDAY, 28), "10:00")


def test_moving_the_last_session_past_the_maximum_interval_is_refused(booked_course):
    third = booked_course.appointments.get(sequence=3)

    with pytest.raises(CourseRuleBroken) as refusal:
        appointment_reschedule(
            appointment=third, new_start=at(days_after(TUESDAY, 64), "10:00"), now=NOW
        )

    assert refusal.value.message == (
        "Session 3 must be at most 35 days after session 2; these are 36 days apart."
    )
    third.refresh_from_db()
    assert third.start == at(days_after(TUESDAY, 50), "10:00")


def test_moving_the_preparation_visit_too_close_to_session_one_is_refused(
    prp_protocol, clinician, patient
):
    visits = course(
        clinician,
        (TUESDAY, "09:00"),
        (days_after(TUESDAY, 14), "10:00"),
        (days_after(TUESDAY, 35), "10:00"),
        (days_after(TUESDAY, 56), "10:00"),
        first_sequence=0,
        minutes=(30, 60),
    )
    preparation = plan_book(
        patient=patient, protocol=prp_protocol, visits=visits, now=NOW
    ).appointments.get(sequence=0)

    with pytest.raises(CourseRuleBroken) as refusal:
        appointment_reschedule(
            appointment=preparation, new_start=at(days_after(TUESDAY, 1), "09:00"), now=NOW
        )

    assert refusal.value.message.startswith(
        "Session 1 must be at least 14 days after the preparation visit"
    )
    preparation.refresh_from_db()
    assert preparation.start == at(TUESDAY, "09:00")


def test_moving_a_session_within_its_window_keeps_the_course(booked_course):
    second = booked_course.appointments.get(sequence=2)

    moved = appointment_reschedule(
        appointment=second, new_start=at(days_after(TUESDAY, 23), "14:00"), now=NOW
    )

    assert moved.start == at(days_after(TUESDAY, 23), "14:00")
    assert moved.end - moved.start == timedelta(minutes=60)
    second.refresh_from_db()
    assert second.start == at(days_after(TUESDAY, 23), "14:00")


def test_the_window_for_a_middle_session_is_bounded_by_both_neighbours(protocol):
    first = Visit(1, at(TUESDAY, "10:00"), 1, 60)
    third = Visit(3, at(days_after(TUESDAY, 50), "10:00"), 1, 60)

    earliest, latest = day_window_between(protocol, first, third)

    # After session 1: days 21–35. Before session 3 (day 50): days 15–29. Both: days 21–29.
    assert earliest == days_after(TUESDAY, 21)
    assert latest == days_after(TUESDAY, 29)


# --- after a cancellation: the visits that remain keep every rule between them ---------------


@pytest.fixture
def prp_course(prp_protocol, clinician, patient):
    """Blood draw on Tuesday, sessions 14, 35 and 56 days later."""
    visits = course(
        clinician,
        (TUESDAY, "09:00"),
        (days_after(TUESDAY, 14), "10:00"),
        (days_after(TUESDAY, 35), "10:00"),
        (days_after(TUESDAY, 56), "10:00"),
        first_sequence=0,
        minutes=(30, 60),
    )
    return plan_book(patient=patient, protocol=prp_protocol, visits=visits, hold=False, now=NOW)


def test_after_cancelling_session_two_session_three_cannot_move_next_to_session_one(
    booked_course,
):
    appointment_cancel(appointment=booked_course.appointments.get(sequence=2), now=NOW)
    third = booked_course.appointments.get(sequence=3)

    with pytest.raises(CourseRuleBroken) as refusal:
        appointment_reschedule(
            appointment=third, new_start=at(days_after(TUESDAY, 1), "10:00"), now=NOW
        )

    assert refusal.value.message == (
        "Session 3 must be at least 21 days after session 1; these are 1 days apart."
    )
    assert Appointment.objects.get(pk=third.pk).start == at(days_after(TUESDAY, 50), "10:00")


def test_after_cancelling_session_one_the_blood_draw_keeps_the_lab_time_before_session_two(
    prp_course,
):
    appointment_cancel(appointment=prp_course.appointments.get(sequence=1), now=NOW)
    blood_draw = prp_course.appointments.get(sequence=0)

    with pytest.raises(CourseRuleBroken) as refusal:
        appointment_reschedule(
            appointment=blood_draw, new_start=at(days_after(TUESDAY, 34), "09:00"), now=NOW
        )

    assert refusal.value.message.startswith(
        "Session 2 must be at least 14 days after the preparation visit"
    )
    assert Appointment.objects.get(pk=blood_draw.pk).start == at(TUESDAY, "09:00")


def test_across_a_cancelled_session_the_maximum_counts_once_per_step(booked_course):
    appointment_cancel(appointment=booked_course.appointments.get(sequence=2), now=NOW)
    third = booked_course.appointments.get(sequence=3)

    # Session 1 → session 3 is two steps of at most 35 days: day 70 is allowed, day 71 not.
    with pytest.raises(CourseRuleBroken) as refusal:
        appointment_reschedule(
            appointment=third, new_start=at(days_after(TUESDAY, 71), "10:00"), now=NOW
        )
    assert refusal.value.message == (
        "Session 3 must be at most 70 days after session 1; these are 71 days apart."
    )
    assert Appointment.objects.get(pk=third.pk).start == at(days_after(TUESDAY, 50), "10:00")

    moved = appointment_reschedule(
        appointment=third, new_start=at(days_after(TUESDAY, 70), "10:00"), now=NOW
    )
    assert moved.start == at(days_after(TUESDAY, 70), "10:00")


def test_cancelling_a_session_never_leaves_the_rest_of_a_course_breaking_a_rule(booked_course):
    # Sessions on days 0, 28 and 50 keep every rule; without session 2, 1 → 3 is 50 days.
    appointment_cancel(appointment=booked_course.appointments.get(sequence=2), now=NOW)

    remaining = booked_course.appointments.active()
    assert course_rule_problems(booked_course.protocol, remaining) == []


def test_the_days_a_visit_may_move_to_count_the_remaining_visits(protocol, booked_course):
    appointment_cancel(appointment=booked_course.appointments.get(sequence=2), now=NOW)

    earliest, latest = day_window_for(
        protocol, sequence=3, others=booked_course.appointments.active()
    )

    assert (earliest, latest) == (days_after(TUESDAY, 21), days_after(TUESDAY, 70))


def test_a_course_with_two_visits_on_one_day_is_refused(protocol, clinician, patient):
    protocol.min_interval_days = 1
    protocol.save()
    visits = course(
        clinician,
        (TUESDAY, "10:00"),
        (TUESDAY, "14:00"),
        (days_after(TUESDAY, 2), "10:00"),
    )

    with pytest.raises(CourseRuleBroken) as refusal:
        plan_book(patient=patient, protocol=protocol, visits=visits, now=NOW)

    assert refusal.value.message == (
        "Session 2 must be at least 1 day after session 1; these are 0 days apart."
    )
    assert not Plan.objects.exists()
