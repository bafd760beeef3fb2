"""Findings of an adversarial review of the privacy tools: each test names a way to break them."""

import threading
import time as clock
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from bookings.engine.errors import NotFound
from bookings.models import Patient, Plan, PlanStatus
from privacy.models import ErasureRecord
from privacy.services import guests_stale, patient_erase
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import confirmed_plan, put
from tests.factories import ClinicianFactory, PatientFactory, ProtocolFactory

pytestmark = pytest.mark.django_db


def guest_holding_now(name: str) -> Patient:
    """A guest who typed their details this minute and holds times (a live hold)."""
    protocol = ProtocolFactory()
    patient = PatientFactory(full_name=name)
    Plan.objects.create(
        patient=patient,
        protocol=protocol,
        clinician=ClinicianFactory(protocols=[protocol]),
        status=PlanStatus.HELD,
        hold_expires_at=timezone.now() + timedelta(minutes=20),
    )
    return patient


@pytest.mark.parametrize("days", ["0", "-3"])
def test_a_retention_period_below_one_day_is_refused_and_erases_no_one(days):
    booking = guest_holding_now("Booking right now")

    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_stale_guests", "--days", days)

    assert Patient.objects.filter(pk=booking.pk).exists()
    assert ErasureRecord.objects.count() == 0


def test_a_guest_holding_times_is_never_stale_whatever_the_period():
    booking = guest_holding_now("Booking right now")
    Patient.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=400))
    Plan.objects.filter(patient=booking).update(created_at=timezone.now() - timedelta(days=400))

    assert booking not in guests_stale(days=30)


# --- erasure takes the engine's locks in the engine's order (PostgreSQL) ----------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks exist only on PostgreSQL (CI runs these there)",
)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_erasing_a_patient_while_their_visit_is_being_moved_neither_deadlocks_nor_errors(
    course, weber, settings
):
    """A booking locks the plan, then the patient. An erasure that locked the patient first and
    then deleted the plans waited for the booking while the booking waited for it; and it had
    no lock timeout, so a long booking made it hang instead of saying "busy"."""
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = 5
    patient = PatientFactory(full_name="Maria Schneider")
    visit = put(confirmed_plan(course, weber, patient), timezone.now() + timedelta(days=3))
    plan_locked, outcome = threading.Event(), {}

    def booking_locks_plan_then_patient() -> None:
        try:
            with transaction.atomic():
                Plan.objects.select_for_update(no_key=True, of=("self",)).get(pk=visit.plan_id)
                plan_locked.set()
                clock.sleep(0.5)  # the erasure starts meanwhile
                list(Patient.objects.select_for_update(no_key=True).filter(pk=patient.pk))
        except Exception as error:
            outcome["booking"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=booking_locks_plan_then_patient)
    thread.start()
    plan_locked.wait(10)
    try:
        patient_erase(patient=patient, erased_by=None)
    except Exception as error:
        outcome["erase"] = error
    thread.join(20)

    assert outcome == {}, outcome
    assert not Patient.objects.filter(pk=patient.pk).exists()
    assert not Plan.objects.filter(pk=visit.plan_id).exists()


def test_erasing_a_patient_someone_erased_a_moment_ago_is_refused_not_a_server_error():
    patient = PatientFactory(full_name="Maria Schneider")
    stale = Patient.objects.get(pk=patient.pk)
    patient_erase(patient=patient, erased_by=None)

    with pytest.raises(NotFound):
        patient_erase(patient=stale, erased_by=None)

    assert ErasureRecord.objects.count() == 1
