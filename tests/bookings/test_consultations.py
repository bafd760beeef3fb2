"""Consultations in the engine: a short visit with a clinician, placed by the one
`booking_place()` on both channels, with the same guarantees as a session.

"Now" is Monday 1 March 2027, 08:00 in Berlin (tests/bookings/conftest.py).
"""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from bookings.engine.consultation import consultation_openings
from bookings.engine.errors import SlotTaken
from bookings.engine.patients import PatientDetails
from bookings.engine.placing import Channel, booking_place, proposal_new_id
from bookings.models import (
    Appointment,
    AppointmentKind,
    ConsultationRequest,
    ConsultationSettings,
    Plan,
    PlanKind,
    PlanStatus,
    ScreeningAnswer,
)
from tests.bookings.conftest import NOW, at

pytestmark = pytest.mark.django_db

TUESDAY = date(2027, 3, 2)

MARIA = PatientDetails(
    full_name="Maria Schneider",
    email="maria@example.com",
    phone="030 5550101",
    date_of_birth="1986-04-23",
    preferred_language="en",
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def consultations(clinician):
    settings = ConsultationSettings.objects.create(minutes=20, price=None)
    settings.clinicians.set([clinician])
    return settings


def opening_at(hhmm):
    day = consultation_openings(first_day=TUESDAY, last_day=TUESDAY)[TUESDAY]
    return next(o for o in day if o.start == at(TUESDAY, hhmm))


def place(channel, visit, *, protocol=None, details=MARIA, topics=(), message=""):
    return booking_place(
        channel=channel,
        kind=PlanKind.CONSULTATION,
        protocol=protocol,
        visits=[visit],
        proposal_id=proposal_new_id(),
        answers=[],
        details=details,
        new_patient_confirmed=True,
        topics=topics,
        message=message,
    )


def test_consultation_times_are_the_length_in_the_settings_with_the_offering_clinicians_only(
    consultations, clinician, second_clinician
):
    openings = consultation_openings(first_day=TUESDAY, last_day=TUESDAY)[TUESDAY]

    assert {o.clinician_id for o in openings} == {clinician.pk}  # not the second clinician
    assert openings[0].start == at(TUESDAY, "09:00")
    # The last start on the clock's steps that leaves the 20 minutes before the shift ends.
    assert openings[-1].start == at(TUESDAY, "16:30")
    assert all(o.minutes == 20 for o in openings)


def test_no_consultation_times_when_the_clinic_offers_none(clinician):
    assert consultation_openings(first_day=TUESDAY, last_day=TUESDAY) == {}


@pytest.mark.parametrize("channel", [Channel.ONLINE, Channel.PHONE])
def test_a_consultation_is_booked_through_booking_place_on_both_channels(
    channel, consultations, clinician, protocol
):
    plan = place(
        channel,
        opening_at("10:00"),
        protocol=protocol,
        topics=["costs", "not-a-topic"],
        message="Will it help my scars?",
    )

    plan.refresh_from_db()
    assert plan.kind == PlanKind.CONSULTATION
    assert plan.status == PlanStatus.CONFIRMED
    assert plan.protocol == protocol  # the treatment the patient asked about
    (visit,) = plan.appointments.all()
    assert visit.kind == AppointmentKind.CONSULTATION
    assert (visit.start, visit.end) == (at(TUESDAY, "10:00"), at(TUESDAY, "10:20"))
    assert visit.clinician == clinician
    request = ConsultationRequest.objects.get(plan=plan)
    assert request.topics == ["costs"]  # unknown choices are dropped
    assert request.message == "Will it help my scars?"
    assert not ScreeningAnswer.objects.filter(plan=plan).exists()  # no medical screening


def test_a_consultation_from_the_home_page_has_no_protocol(consultations):
    plan = place(Channel.ONLINE, opening_at("11:00"))
    assert Plan.objects.get(pk=plan.pk).protocol is None


def test_a_consultation_cannot_take_a_time_the_clinician_has_a_session(
    consultations, clinician, occupy
):
    visit = opening_at("10:00")
    occupy(clinician, at(TUESDAY, "10:00"), minutes=60)

    with pytest.raises(SlotTaken):
        place(Channel.PHONE, visit)

    assert not Plan.objects.filter(kind=PlanKind.CONSULTATION).exists()
    remaining = consultation_openings(first_day=TUESDAY, last_day=TUESDAY)[TUESDAY]
    assert at(TUESDAY, "10:00") not in {o.start for o in remaining}


def test_two_patients_cannot_book_the_same_consultation_time(consultations):
    visit = opening_at("10:00")
    place(Channel.ONLINE, visit)

    other = PatientDetails(
        full_name="Ayşe Demir",
        email="ayse@example.com",
        phone="030 5550102",
        date_of_birth="1990-01-02",
        preferred_language="tr",
    )
    with pytest.raises(SlotTaken):
        place(Channel.ONLINE, visit, details=other)
    assert Appointment.objects.filter(kind=AppointmentKind.CONSULTATION).count() == 1


def test_a_consultation_books_once_when_the_same_proposal_is_placed_twice(consultations):
    visit = opening_at("10:00")
    proposal = proposal_new_id()
    common = {
        "channel": Channel.ONLINE,
        "kind": PlanKind.CONSULTATION,
        "protocol": None,
        "visits": [visit],
        "proposal_id": proposal,
        "answers": [],
        "details": MARIA,
    }
    first = booking_place(**common)
    second = booking_place(**common)
    assert first.pk == second.pk
    assert Plan.objects.filter(kind=PlanKind.CONSULTATION).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints: PostgreSQL")
def test_the_database_refuses_a_consultation_overlapping_another_visit(
    consultations, clinician, occupy, patient
):
    occupy(clinician, at(TUESDAY, "10:00"), minutes=60)
    plan = Plan.objects.create(
        patient=patient, kind=PlanKind.CONSULTATION, clinician=clinician, status="confirmed"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            plan=plan,
            kind=AppointmentKind.CONSULTATION,
            sequence=1,
            start=at(TUESDAY, "10:30"),
            end=at(TUESDAY, "10:30") + timedelta(minutes=20),
            clinician=clinician,
        )


def test_a_course_still_needs_a_protocol_in_the_database(clinician, patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(patient=patient, kind=PlanKind.COURSE, clinician=clinician)


def test_a_consultation_is_not_moved_but_cancelled_and_booked_again(consultations, clinician):
    from bookings.engine.errors import InvalidPlanState
    from bookings.engine.services import appointment_reschedule

    plan = place(Channel.PHONE, opening_at("10:00"))
    visit = plan.appointments.get()
    with pytest.raises(InvalidPlanState):
        appointment_reschedule(appointment=visit, new_start=at(TUESDAY, "11:00"), online=False)
    visit.refresh_from_db()
    assert visit.start == at(TUESDAY, "10:00")
