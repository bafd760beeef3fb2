"""`purge_stale_guests`: guests who never completed a booking go after GUEST_RETENTION_DAYS;
everyone who completed one, or is still booking, stays."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookings.models import OutgoingEmail, Patient, Plan, PlanStatus
from privacy.models import ErasureRecord
from privacy.services import guests_stale
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.factories import ClinicianFactory, PatientFactory, ProtocolFactory

pytestmark = pytest.mark.django_db

DAYS = 30


@pytest.fixture
def make_guest():
    protocol = ProtocolFactory()
    clinician = ClinicianFactory(protocols=[protocol])

    def make(name: str, *, age_days: int, status: str = PlanStatus.CANCELLED, **plan) -> Patient:
        patient = PatientFactory(full_name=name)
        started = timezone.now() - timedelta(days=age_days)
        Patient.objects.filter(pk=patient.pk).update(created_at=started)
        if status:
            made = Plan.objects.create(
                patient=patient,
                protocol=protocol,
                clinician=clinician,
                status=status,
                hold_expires_at=started if status == PlanStatus.HELD else None,
                **plan,
            )
            Plan.objects.filter(pk=made.pk).update(created_at=started)
        return patient

    return make


def test_only_stale_guests_are_erased(make_guest, settings):
    settings.GUEST_RETENTION_DAYS = DAYS
    abandoned = make_guest("Abandoned hold", age_days=DAYS + 5)
    never_held = make_guest("Details only", age_days=DAYS + 5, status="")
    make_guest("Still deciding", age_days=DAYS - 5)
    make_guest("Cancelled after booking", age_days=DAYS + 5, consented_at=timezone.now())
    make_guest("Phone booking", age_days=DAYS + 5, status=PlanStatus.CONFIRMED)
    emailed = make_guest("Got an email", age_days=DAYS + 90)
    OutgoingEmail.objects.create(patient=emailed, template="x", to="a@example.com", subject="s")
    returning = make_guest("Returning now", age_days=DAYS + 5)
    Plan.objects.create(
        patient=returning,
        protocol=Plan.objects.first().protocol,
        clinician=Plan.objects.first().clinician,
        status=PlanStatus.HELD,
        hold_expires_at=timezone.now() + timedelta(minutes=20),
    )

    call_command("purge_stale_guests")

    remaining = set(Patient.objects.values_list("full_name", flat=True))
    assert remaining == {
        "Still deciding",
        "Cancelled after booking",
        "Phone booking",
        "Got an email",
        "Returning now",
    }
    traces = ErasureRecord.objects.order_by("patient_number")
    assert [(t.patient_number, t.reason, t.erased_by) for t in traces] == [
        (abandoned.pk, "retention", None),
        (never_held.pk, "retention", None),
    ]


def test_a_dry_run_counts_and_erases_nothing(make_guest, capsys):
    make_guest("Abandoned hold", age_days=DAYS + 5)

    call_command("purge_stale_guests", days=DAYS, dry_run=True)

    assert "1 guest(s) would be erased." in capsys.readouterr().out
    assert Patient.objects.count() == 1
    assert not ErasureRecord.objects.exists()


def test_the_days_come_from_the_command_line_or_the_setting(make_guest, settings):
    make_guest("Abandoned hold", age_days=10)
    settings.GUEST_RETENTION_DAYS = 30

    assert guests_stale(days=settings.GUEST_RETENTION_DAYS).count() == 0
    call_command("purge_stale_guests", days=7)

    assert not Patient.objects.exists()


# --- no period erases a guest who is booking right now ---------------------------------------


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
