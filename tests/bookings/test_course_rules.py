"""A course keeps its timing rules when it is booked and when a visit is moved."""

from datetime import timedelta

import pytest

from bookings.errors import CourseRuleBroken
from bookings.models import Appointment, Plan
from bookings.planner import ProposedVisit
from bookings.rules import Visit, day_window_between
from bookings.services import appointment_reschedule, plan_book
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


def test_a_course_with_a_missing_session_is_refused(protocol, clinician, patient):
    visits = course(clinician, (TUESDAY, "10:00"), (days_after(TUESDAY, 21), "10:00"))

    with pytest.raises(CourseRuleBroken, match=r"This course is 3 sessions\."):
        plan_book(patient=patient, protocol=protocol, visits=visits, now=NOW)


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
