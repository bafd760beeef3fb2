"""Findings of an adversarial review of the privacy tools: each test names a way to break them."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.models import Patient, Plan, PlanStatus
from privacy.models import ErasureRecord
from privacy.services import guests_stale
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
