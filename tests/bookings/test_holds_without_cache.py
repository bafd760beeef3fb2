"""Holding a course cannot be abused while the cache (Redis) is down (issue 21, item 6)."""

import pytest
from django.core.cache import cache
from django.test import Client

from bookings.models import Plan, PlanStatus
from tests.bookings.online import answer_screening, hold, url
from tests.clinic.test_cache_resilience import REFUSED, redis_cache_at
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def protocol():
    return seed_small_clinic().protocol


def hold_from(address: str, protocol, email: str):
    """A script's request: a fresh session each time, from one address."""
    client = Client(REMOTE_ADDR=address)
    answer_screening(client, protocol)
    return hold(client, protocol, email=email)


def test_with_redis_down_the_eleventh_hold_from_one_address_is_refused(
    protocol, settings, monkeypatch
):
    settings.CACHES = redis_cache_at(REFUSED, monkeypatch)

    statuses = [
        hold_from("203.0.113.7", protocol, f"script{n}@example.com").status_code for n in range(11)
    ]

    assert statuses == [302] * 10 + [429]
    assert cache.is_down()
    assert Plan.objects.filter(status=PlanStatus.HELD).count() == 10
    assert hold_from("203.0.113.8", protocol, "someone@example.com").status_code == 302


def test_one_email_holds_one_course_at_a_time(protocol):
    first = hold_from("203.0.113.7", protocol, "maria@example.com")
    second = hold_from("198.51.100.4", protocol, "MARIA@example.com")

    assert first["Location"] == second["Location"] == url("review", protocol)
    held = Plan.objects.filter(status=PlanStatus.HELD)
    assert held.count() == 1
    assert held.get() == Plan.objects.latest("pk"), "the newer hold stays, the older is freed"
    older = Plan.objects.earliest("pk")
    assert older.status == PlanStatus.CANCELLED
    assert not older.appointments.active().exists()
