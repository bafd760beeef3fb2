"""No double booking under real concurrency, and the database's own guarantee behind it.

These need PostgreSQL: its row locks and exclusion constraints are what is being proven. CI runs
the whole suite on PostgreSQL too; on SQLite (one writer at a time) they are skipped.
"""

import threading
import time as clock
from collections import Counter
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from benchmarks.mixed_stress import mixed_stress
from bookings.engine import services
from bookings.engine.availability import Calendar
from bookings.engine.errors import BookingError, ClinicBusy, SlotTaken
from bookings.engine.patients import PatientDetails
from bookings.engine.placing import Channel, booking_place, proposal_new_id
from bookings.engine.planner import ProposedVisit, course_propose
from bookings.engine.services import plan_book, plan_release_expired_holds
from bookings.models import Appointment, AppointmentKind, Clinician, Patient, Plan, PlanStatus
from tests.bookings.conftest import MONDAY, NOW, at, days_after
from tests.bookings.test_booking_place import answers
from tests.clinic_data import seed_small_clinic
from tests.factories import PatientFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and exclusion constraints exist only on PostgreSQL (CI runs them)",
    ),
]

TUESDAY = days_after(MONDAY, 1)
THREADS = 12


def run_at_once(count: int, work) -> list[tuple[str, object]]:
    """Run work(i) in `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)
    outcomes: list[tuple[str, object]] = [("missing", None)] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = ("booked", work(index))
        except BookingError as refusal:
            outcomes[index] = (type(refusal).__name__, refusal)
        except Exception as error:  # any other exception is a failure the test reports
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def one_session(protocol):
    protocol.session_count = 1
    protocol.save()
    return protocol


def test_only_one_of_many_simultaneous_bookings_of_a_slot_succeeds(one_session, clinician):
    patients = [PatientFactory() for _ in range(THREADS)]
    visit = [ProposedVisit(1, at(TUESDAY, "10:00"), clinician.pk, 60)]

    outcomes = run_at_once(
        THREADS,
        lambda i: plan_book(patient=patients[i], protocol=one_session, visits=visit, now=NOW),
    )

    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds == {"booked": 1, "SlotTaken": THREADS - 1}, outcomes
    refusals = [value.message for kind, value in outcomes if kind == "SlotTaken"]
    assert set(refusals) == {"That time was just taken. Please choose another time."}
    assert Appointment.objects.active().filter(clinician=clinician).count() == 1
    assert Plan.objects.count() == 1


def test_simultaneous_laser_bookings_by_two_clinicians_get_one_laser(
    laser_protocol, clinician, second_clinician, laser
):
    laser_protocol.session_count = 1
    laser_protocol.save()
    patients = [PatientFactory() for _ in range(THREADS)]
    clinicians = [clinician, second_clinician]

    def book(index: int):
        visit = [ProposedVisit(1, at(TUESDAY, "10:00"), clinicians[index % 2].pk, 60)]
        return plan_book(patient=patients[index], protocol=laser_protocol, visits=visit, now=NOW)

    outcomes = run_at_once(THREADS, book)

    assert Counter(kind for kind, _ in outcomes) == {"booked": 1, "SlotTaken": THREADS - 1}
    assert Appointment.objects.active().filter(device=laser).count() == 1


def test_simultaneous_courses_sharing_only_their_third_slot_leave_one_whole_course(
    protocol, clinician
):
    # Eight courses, each with its own free first and second sessions (Tuesday to Friday,
    # morning or afternoon, 21 days apart), all wanting the same third session.
    shared_third = ProposedVisit(3, at(days_after(MONDAY, 50), "10:00"), clinician.pk, 60)
    courses = [
        [
            ProposedVisit(1, at(days_after(MONDAY, 1 + day), hour), clinician.pk, 60),
            ProposedVisit(2, at(days_after(MONDAY, 22 + day), hour), clinician.pk, 60),
            shared_third,
        ]
        for day in range(4)
        for hour in ("09:00", "13:00")
    ]
    patients = [PatientFactory() for _ in courses]

    outcomes = run_at_once(
        len(courses),
        lambda i: plan_book(patient=patients[i], protocol=protocol, visits=courses[i], now=NOW),
    )

    assert Counter(kind for kind, _ in outcomes) == {"booked": 1, "SlotTaken": 7}, outcomes
    winner = next(plan for kind, plan in outcomes if kind == "booked")
    assert list(Plan.objects.values_list("pk", flat=True)) == [winner.pk]
    assert Appointment.objects.filter(plan=winner).count() == 3
    assert Appointment.objects.count() == 3


def test_a_booking_that_waits_too_long_for_a_lock_is_told_to_try_again(
    one_session, clinician, patient, settings
):
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 1
    locked = threading.Event()

    def hold_the_clinician() -> None:
        with transaction.atomic():
            Clinician.objects.select_for_update().get(pk=clinician.pk)
            locked.set()
            clock.sleep(3)
        connection.close()

    holder = threading.Thread(target=hold_the_clinician)
    holder.start()
    locked.wait(timeout=10)
    try:
        with pytest.raises(ClinicBusy) as refusal:
            plan_book(
                patient=patient,
                protocol=one_session,
                visits=[ProposedVisit(1, at(TUESDAY, "10:00"), clinician.pk, 60)],
                now=NOW,
            )
    finally:
        holder.join()

    assert "please try again" in refusal.value.message
    assert not Plan.objects.exists()


def test_the_database_refuses_an_overlap_the_recheck_missed(
    one_session, clinician, patient, another_patient, monkeypatch
):
    visit = [ProposedVisit(1, at(TUESDAY, "10:00"), clinician.pk, 60)]
    plan_book(patient=patient, protocol=one_session, visits=visit, now=NOW)
    # Simulate a bug in the availability re-check: the constraint must still hold the line.
    monkeypatch.setattr(Calendar, "problem_with", lambda self, *args: None)

    with pytest.raises(SlotTaken):
        plan_book(patient=another_patient, protocol=one_session, visits=visit, now=NOW)

    assert Appointment.objects.count() == 1


def test_a_course_the_database_refuses_at_its_third_session_leaves_no_rows(
    protocol, clinician, patient, another_patient, monkeypatch
):
    course = course_propose(protocol=protocol, now=NOW)
    protocol.session_count = 1
    protocol.save()
    third = course[2]
    taken = plan_book(
        patient=patient,
        protocol=protocol,
        visits=[ProposedVisit(1, third.start, third.clinician_id, third.minutes)],
        now=NOW,
    )
    protocol.session_count = 3
    protocol.save()
    monkeypatch.setattr(Calendar, "problem_with", lambda self, *args: None)

    with pytest.raises(SlotTaken):
        plan_book(patient=another_patient, protocol=protocol, visits=course, now=NOW)

    assert list(Plan.objects.values_list("pk", flat=True)) == [taken.pk]
    assert Appointment.objects.count() == 1


def test_a_booking_of_a_freed_time_does_not_wait_for_the_release_job_holding_that_plan(
    one_session, clinician, patient, another_patient
):
    visit = [ProposedVisit(1, at(TUESDAY, "10:00"), clinician.pk, 60)]
    abandoned = plan_book(patient=patient, protocol=one_session, visits=visit, now=NOW)
    later = NOW + timedelta(minutes=30)
    job_has_the_plan = threading.Event()
    job_errors: list[Exception] = []

    def release_job() -> None:
        # The release job's transaction, caught between locking the expired plan and closing it.
        try:
            with transaction.atomic():
                Plan.objects.select_for_update().get(pk=abandoned.pk)
                job_has_the_plan.set()
                clock.sleep(1)
                services._plans_close([abandoned.pk], PlanStatus.CANCELLED, later)
        except Exception as error:  # reported by the assertion below
            job_errors.append(error)
        finally:
            connection.close()

    job = threading.Thread(target=release_job)
    job.start()
    job_has_the_plan.wait(timeout=10)
    try:
        plan = plan_book(patient=another_patient, protocol=one_session, visits=visit, now=later)
    finally:
        job.join()

    assert job_errors == []
    assert Plan.objects.get(pk=abandoned.pk).status == PlanStatus.CANCELLED
    assert Appointment.objects.active().get().plan == plan


def test_the_release_job_skips_a_plan_another_transaction_holds(one_session, clinician, patient):
    visit = [ProposedVisit(1, at(TUESDAY, "10:00"), clinician.pk, 60)]
    abandoned = plan_book(patient=patient, protocol=one_session, visits=visit, now=NOW)
    holding = threading.Event()
    done = threading.Event()

    def owner() -> None:
        with transaction.atomic():
            Plan.objects.select_for_update().get(pk=abandoned.pk)
            holding.set()
            done.wait(timeout=10)
        connection.close()

    thread = threading.Thread(target=owner)
    thread.start()
    holding.wait(timeout=10)
    try:
        started = clock.monotonic()
        released = plan_release_expired_holds(now=NOW + timedelta(minutes=30))
        waited = clock.monotonic() - started
    finally:
        done.set()
        thread.join()

    assert released == 0
    assert waited < 1
    assert plan_release_expired_holds(now=NOW + timedelta(minutes=30)) == 1


# --- the exclusion constraints, with the services bypassed ---------------------------------


def insert(clinician, start: str, end: str, *, device=None, status="booked") -> Appointment:
    plan = Plan.objects.create(
        patient=PatientFactory(),
        protocol=clinician.protocols.first(),
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
    )
    return Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.SESSION,
        sequence=1,
        start=at(TUESDAY, start),
        end=at(TUESDAY, end),
        clinician=clinician,
        device=device,
        status=status,
    )


def test_a_direct_insert_overlapping_the_same_clinician_is_rejected(clinician):
    insert(clinician, "10:00", "11:00")

    with pytest.raises(IntegrityError, match="appointment_no_clinician_overlap"):
        insert(clinician, "10:30", "11:30")


def test_a_direct_insert_overlapping_the_same_device_is_rejected(
    clinician, second_clinician, laser
):
    insert(clinician, "10:00", "11:00", device=laser)

    with pytest.raises(IntegrityError, match="appointment_no_device_overlap"):
        insert(second_clinician, "10:59", "12:00", device=laser)


def test_back_to_back_appointments_are_allowed(clinician, laser):
    insert(clinician, "10:00", "11:00", device=laser)
    insert(clinician, "11:00", "12:00", device=laser)

    assert Appointment.objects.filter(clinician=clinician).count() == 2


def test_a_cancelled_appointment_frees_its_slot_in_the_database(clinician):
    insert(clinician, "10:00", "11:00", status="cancelled")
    insert(clinician, "10:00", "11:00")

    assert Appointment.objects.active().count() == 1


def test_different_clinicians_may_overlap_without_a_shared_device(clinician, second_clinician):
    insert(clinician, "10:00", "11:00")
    insert(second_clinician, "10:00", "11:00")

    assert Appointment.objects.count() == 2


def test_a_mixed_stress_of_bookings_moves_and_cancels_keeps_the_budget():
    # The small version of `make bench`'s stress (docs/performance.md): 16 threads.
    result = mixed_stress(threads=16, operations=6)

    assert result.errors == [], result.summary()
    assert result.overlaps == 0, result.summary()
    assert result.busy_share < 0.01, result.summary()
    assert result.outcomes["booked"] > 0 and result.outcomes["moved"] > 0, result.summary()


def test_two_simultaneous_posts_of_the_details_page_hold_one_plan_for_one_patient():
    """A double click on "Hold these times": both requests carry the same session and proposal.

    Before: each created a patient (email + birthday is not unique), the second was told "That
    time was just taken" about the patient's own hold, and an orphaned hold blocked the slot.
    """
    from django.test import Client

    from tests.bookings.online import DETAILS, answer_screening, url, with_proposal
    from tests.clinic_data import seed_small_clinic

    protocol = seed_small_clinic().protocol
    first = Client()
    answer_screening(first, protocol)
    first.get(url("times", protocol))
    data = with_proposal(first, DETAILS)
    second = Client()
    second.cookies = first.cookies  # the same browser: the same session

    outcomes = run_at_once(
        2, lambda i: (first, second)[i].post(url("details", protocol), data)["Location"]
    )

    # Both go on to the consent page with the held course; neither is told "just taken".
    assert outcomes == [("booked", url("review", protocol))] * 2, outcomes
    assert Patient.objects.count() == 1
    open_plans = Plan.objects.filter(status__in=[PlanStatus.HELD])
    assert open_plans.count() == 1
    assert Appointment.objects.filter(plan__status=PlanStatus.HELD).count() == 3


# --- one new caller booked at two desks at once ----------------------------------------------


def test_two_desks_booking_one_new_caller_at_once_create_one_patient():
    # Desk 1 has the caller's email, desk 2 only the phone (written another way): the second
    # placement waits for the first and is then offered the match, never a second record.
    clinic = seed_small_clinic()
    callers = [
        PatientDetails(
            full_name="Maria Schneider",
            email="maria@example.com",
            phone="030 5550101",
            date_of_birth="1986-04-23",
            preferred_language="en",
        ),
        PatientDetails(
            full_name="Maria Schneider",
            email="",
            phone="+49 30 5550101",
            date_of_birth="1986-04-23",
            preferred_language="en",
        ),
    ]
    desks = [
        course_propose(protocol=clinic.protocol, clinician=c, online=False)
        for c in clinic.clinicians[:2]
    ]

    def book(index: int):
        return booking_place(
            channel=Channel.PHONE,
            protocol=clinic.protocol,
            visits=desks[index],
            proposal_id=proposal_new_id(),
            answers=answers(clinic.protocol),
            details=callers[index],
        )

    for _attempt in range(5):  # a race: a few tries to let both searches run first
        Plan.objects.all().delete()
        Patient.objects.all().delete()
        outcomes = run_at_once(2, book)
        assert sorted(kind for kind, _ in outcomes) == ["PatientMayExist", "booked"], outcomes
        assert Patient.objects.count() == 1
