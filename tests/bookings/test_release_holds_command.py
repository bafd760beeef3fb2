from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Plan, PlanStatus
from tests.bookings.online import answer_screening, hold
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


def test_the_cron_command_releases_holds_that_ran_out(client, capsys):
    clinic = seed_small_clinic()
    answer_screening(client, clinic.protocol)
    hold(client, clinic.protocol)
    plan = Plan.objects.get()
    call_command("release_expired_holds")
    assert Plan.objects.get().status == PlanStatus.HELD  # still running

    Plan.objects.update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    call_command("release_expired_holds")

    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    assert not plan.appointments.active().exists()
    assert "Released 1 expired hold" in capsys.readouterr().out
