"""The course planner proposes whole courses that keep every rule, or says why it cannot."""

from collections import Counter
from datetime import time, timedelta
from itertools import pairwise

import pytest
from django.db import transaction
from django.db.models import Q
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.engine.errors import NoCourseFits, SlotTaken
from bookings.engine.planner import course_propose
from bookings.engine.rules import course_problems, local_date
from bookings.models import Appointment, TimeOff, WorkingHours
from tests.bookings.conftest import BERLIN, MONDAY, NOW, at, days_after, hhmm
from tests.factories import ClinicianFactory, DeviceFactory, PatientFactory, ProtocolFactory

pytestmark = pytest.mark.django_db


def test_the_earliest_course_starts_after_the_lead_time_with_one_clinician(protocol, clinician):
    proposal = course_propose(protocol=protocol, now=NOW)

    assert [visit.sequence for visit in proposal] == [1, 2, 3]
    assert proposal[0].start == at(days_after(MONDAY, 1), "09:00")
    assert {visit.clinician_id for visit in proposal} == {clinician.pk}
    assert course_problems(protocol, proposal) == []


def test_an_autologous_course_starts_with_the_preparation_visit_and_waits_for_the_lab(
    prp_protocol, clinician
):
    proposal = course_propose(protocol=prp_protocol, now=NOW)

    preparation, first_session = proposal[0], proposal[1]
    assert (preparation.kind, preparation.minutes) == ("preparation", 30)
    assert (first_session.day - preparation.day).days >= prp_protocol.lab_lead_days
    assert course_problems(prp_protocol, proposal) == []


def test_the_planner_prefers_the_same_clinician_over_an_earlier_day(
    protocol, clinician, second_clinician
):
    first_start = at(days_after(MONDAY, 1), "10:00")
    # Anna is away for the first days in which session 2 could fall; Mehmet is free then.
    TimeOff.objects.create(
        clinician=clinician,
        start=at(days_after(MONDAY, 22), "00:00"),
        end=at(days_after(MONDAY, 25), "00:00"),
    )

    proposal = course_propose(
        protocol=protocol, first_start=first_start, clinician=clinician, now=NOW
    )

    assert {visit.clinician_id for visit in proposal} == {clinician.pk}
    assert proposal[1].day == days_after(MONDAY, 25)


def test_the_planner_falls_back_to_a_colleague_when_the_clinician_cannot(
    protocol, clinician, second_clinician
):
    TimeOff.objects.create(
        clinician=clinician,
        start=at(days_after(MONDAY, 20), "00:00"),
        end=at(days_after(MONDAY, 80), "00:00"),
    )

    proposal = course_propose(protocol=protocol, clinician=clinician, now=NOW)

    assert proposal[0].clinician_id == clinician.pk
    assert {visit.clinician_id for visit in proposal[1:]} == {second_clinician.pk}
    assert course_problems(protocol, proposal) == []


def test_a_chosen_clinician_with_no_time_is_named_instead_of_saying_nothing_fits(
    protocol, clinician, second_clinician
):
    TimeOff.objects.create(
        clinician=clinician, start=at(MONDAY, "00:00"), end=at(days_after(MONDAY, 120), "00:00")
    )

    with pytest.raises(NoCourseFits) as refusal:
        course_propose(protocol=protocol, clinician=clinician, now=NOW)

    assert refusal.value.message == (
        "Dr. Anna Weber has no free time to start this course within the next 90 days. "
        "Choose any clinician to see other times, or call us."
    )
    # Without the choice, the colleague's times are offered.
    assert course_propose(protocol=protocol, now=NOW)[0].clinician_id == second_clinician.pk


def test_the_planner_keeps_a_similar_time_of_day(protocol, clinician):
    first_start = at(days_after(MONDAY, 2), "14:30")

    proposal = course_propose(protocol=protocol, first_start=first_start, now=NOW)

    assert hhmm(proposal) == ["14:30", "14:30", "14:30"]


def test_the_time_of_day_is_kept_across_the_dst_change(protocol, clinician):
    # Session 1 in winter time (UTC+1), session 2 three weeks later in summer time (UTC+2).
    first_start = at(days_after(MONDAY, 17), "10:00")

    proposal = course_propose(protocol=protocol, first_start=first_start, now=NOW)

    assert hhmm(proposal) == ["10:00", "10:00", "10:00"]
    assert proposal[0].start.astimezone(BERLIN).utcoffset() == timedelta(hours=1)
    assert proposal[1].start.astimezone(BERLIN).utcoffset() == timedelta(hours=2)


def test_a_chosen_start_that_is_not_free_is_refused(protocol, clinician, occupy):
    taken = at(days_after(MONDAY, 2), "10:00")
    occupy(clinician, taken)

    with pytest.raises(SlotTaken):
        course_propose(protocol=protocol, first_start=taken, now=NOW)


def test_a_start_too_late_for_the_rest_of_the_course_is_explained(protocol, clinician):
    late_start = at(days_after(MONDAY, 70), "10:00")

    with pytest.raises(NoCourseFits) as refusal:
        course_propose(protocol=protocol, first_start=late_start, now=NOW)

    assert refusal.value.message == (
        "Starting on May 10, 2027, the rest of the course does not fit into the next 90 days "
        "with 21 to 35 days between sessions. Please choose an earlier start, or call us."
    )


def test_when_nothing_fits_the_patient_is_told_why(prp_protocol, clinician):
    TimeOff.objects.create(
        clinician=None,
        start=at(days_after(MONDAY, 10), "00:00"),
        end=at(days_after(MONDAY, 200), "00:00"),
    )

    with pytest.raises(NoCourseFits) as refusal:
        course_propose(protocol=prp_protocol, now=NOW)

    assert refusal.value.message == (
        "We could not find free times for the 4 visits of this course within the next 90 "
        "days, with the first session at least 14 days after the preparation visit and 21 to "
        "35 days between sessions. Please call us and we will find times with you."
    )


def test_a_course_longer_than_the_horizon_is_explained(clinician, settings):
    settings.BOOKING_HORIZON_DAYS = 30
    protocol = ProtocolFactory(session_count=3, min_interval_days=21, max_interval_days=35)
    clinician.protocols.add(protocol)

    with pytest.raises(NoCourseFits, match="takes at least 42 days"):
        course_propose(protocol=protocol, now=NOW)


def test_a_protocol_nobody_performs_cannot_be_planned(protocol):
    with pytest.raises(NoCourseFits, match="No clinician offers this treatment"):
        course_propose(protocol=protocol, now=NOW)


def test_a_laser_course_without_a_laser_is_explained(laser_protocol, clinician):
    with pytest.raises(NoCourseFits, match="device this treatment needs is out of service"):
        course_propose(protocol=laser_protocol, now=NOW)


# --- property: every proposal keeps every rule ------------------------------------------------

shift = st.tuples(
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=7, max_value=12),
    st.integers(min_value=2, max_value=9),
)
protocols = st.fixed_dictionaries(
    {
        "session_count": st.integers(min_value=1, max_value=3),
        "min_interval_days": st.integers(min_value=1, max_value=20),
        "extra_interval_days": st.integers(min_value=0, max_value=15),
        "session_minutes": st.sampled_from([30, 45, 60, 90]),
        "autologous": st.booleans(),
        "lab_lead_days": st.integers(min_value=1, max_value=21),
        "laser": st.booleans(),
    }
)
busy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=1),  # which clinician
        # Crowd the first days' mornings, where the planner looks first.
        st.integers(min_value=1, max_value=10),  # day offset
        st.integers(min_value=7 * 4, max_value=13 * 4),  # quarter hour of the day
        st.sampled_from([15, 30, 45, 60, 120]),  # minutes
    ),
    max_size=80,
)
leave = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 89), st.integers(1, 10)), max_size=3)


def test_every_proposal_keeps_every_rule(db):
    outcomes = Counter()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        shifts=st.lists(shift, min_size=1, max_size=10),
        params=protocols,
        appointments=busy,
        time_off=leave,
        buffer=st.sampled_from([0, 10]),
    )
    def check(shifts, params, appointments, time_off, buffer):
        with transaction.atomic(), override_settings(BOOKING_BUFFER_MINUTES=buffer):
            outcomes[check_random_schedule(shifts, params, appointments, time_off, buffer)] += 1
            transaction.set_rollback(True)

    check()

    # Refusing every schedule would pass the checks vacuously: most random clinics have room.
    assert outcomes["proposed"] > outcomes["nothing fits"], outcomes


def check_random_schedule(shifts, params, appointments, time_off, buffer) -> str:
    protocol = ProtocolFactory(
        session_count=params["session_count"],
        min_interval_days=params["min_interval_days"],
        max_interval_days=params["min_interval_days"] + params["extra_interval_days"],
        session_minutes=params["session_minutes"],
        procedure="fractional_laser" if params["laser"] else "microneedling",
        source="prp_own" if params["autologous"] else "msc_ready_made",
        preparation_minutes=30 if params["autologous"] else 0,
        lab_lead_days=params["lab_lead_days"] if params["autologous"] else 0,
    )
    laser = DeviceFactory() if params["laser"] else None
    clinicians = [ClinicianFactory(protocols=[protocol]) for _ in range(2)]
    for index, (weekday, start_hour, hours) in enumerate(shifts):
        WorkingHours.objects.create(
            clinician=clinicians[index % 2],
            weekday=weekday,
            start=time(start_hour),
            end=time(min(start_hour + hours, 23)),
        )
    patient = PatientFactory()
    for who, day, quarter, minutes in appointments:
        start = at(days_after(MONDAY, day), "00:00") + timedelta(minutes=15 * quarter)
        end = start + timedelta(minutes=minutes)
        # Some of the first clinician's appointments hold the laser.
        device = laser if who == 0 and quarter % 2 else None
        clash = Q(clinician=clinicians[who]) | (Q(device=device) if device else Q(pk__in=[]))
        if Appointment.objects.filter(clash, start__lt=end, end__gt=start).exists():
            continue  # an existing calendar never holds overlaps (PostgreSQL would refuse them)
        plan = protocol.plans.create(patient=patient, clinician=clinicians[who], status="confirmed")
        Appointment.objects.create(
            plan=plan,
            kind="session",
            sequence=1,
            start=start,
            end=end,
            clinician=clinicians[who],
            device=device,
        )
    for who, day, length in time_off:
        TimeOff.objects.create(
            clinician=clinicians[who] if who else None,
            start=at(days_after(MONDAY, day), "00:00"),
            end=at(days_after(MONDAY, day + length), "00:00"),
        )

    try:
        proposal = course_propose(protocol=protocol, now=NOW)
    except NoCourseFits:
        return "nothing fits"

    assert_course_rules_independently(protocol, proposal)
    for visit in proposal:
        assert_independently_free(visit, protocol, buffer)
    return "proposed"


def assert_course_rules_independently(protocol, proposal):
    """The course rules, written out again from the protocol's fields."""
    expected = ([0] if protocol.is_autologous else []) + list(range(1, protocol.session_count + 1))
    assert [visit.sequence for visit in proposal] == expected
    for earlier, later in pairwise(proposal):
        gap = (local_date(later.start) - local_date(earlier.start)).days
        if earlier.sequence == 0:
            assert gap >= protocol.lab_lead_days, "session 1 before the lab is ready"
        else:
            assert protocol.min_interval_days <= gap <= protocol.max_interval_days


def assert_independently_free(visit, protocol, buffer_minutes):
    """Re-check a proposed visit straight from the database, without the availability code."""
    buffer = timedelta(minutes=buffer_minutes)
    start, end = visit.start, visit.end
    assert start >= NOW + timedelta(hours=24), "inside the lead time"
    assert local_date(start) <= MONDAY + timedelta(days=90), "beyond the horizon"
    local_start, local_end = start.astimezone(BERLIN), end.astimezone(BERLIN)
    assert local_start.minute % 15 == 0
    assert WorkingHours.objects.filter(
        clinician_id=visit.clinician_id,
        weekday=local_start.weekday(),
        start__lte=local_start.time(),
        end__gte=local_end.time(),
    ).exists(), "outside working hours"
    assert not TimeOff.objects.filter(
        Q(clinician_id=visit.clinician_id) | Q(clinician__isnull=True),
        start__lt=end,
        end__gt=start,
    ).exists(), "during time off"
    assert not Appointment.objects.filter(
        clinician_id=visit.clinician_id, start__lt=end + buffer, end__gt=start - buffer
    ).exists(), "overlaps the clinician's appointment or its buffer"
    if visit.kind == "session" and protocol.needs_device:
        devices_busy = Appointment.objects.filter(
            device__isnull=False, start__lt=end + buffer, end__gt=start - buffer
        ).count()
        assert devices_busy == 0, "no free laser"
