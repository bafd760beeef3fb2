"""Sessions come from the shared cache, with the database behind it (issue 22): a booking step
reads no session row, and a session survives the cache losing it."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.bookings.online import answer_screening, url
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


def session_reads(queries: CaptureQueriesContext) -> int:
    return sum(
        query["sql"].startswith("SELECT") and '"django_session"' in query["sql"]
        for query in queries.captured_queries
    )


def test_a_booking_step_reads_its_session_from_the_cache(client):
    protocol = seed_small_clinic().protocol
    answer_screening(client, protocol)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("times", protocol))

    assert response.status_code == 200
    assert response.context["visits"], "the flow in the session was found"
    assert session_reads(queries) == 0


def test_a_session_the_cache_lost_is_read_from_the_database(client):
    protocol = seed_small_clinic().protocol
    answer_screening(client, protocol)
    cache.clear()  # eviction, a restarted Redis

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("times", protocol))

    assert response.context["visits"], "the flow is still there"
    assert session_reads(queries) == 1
