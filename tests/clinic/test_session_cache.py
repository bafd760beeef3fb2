"""Sessions come from the shared cache, with the database behind it (issue 22): a booking step
reads no session row, and a session survives the cache losing it."""

import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.sessions import SESSION_CACHE_SECONDS, SessionStore
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


# --- with Redis, as several workers share it -----------------------------------------------------


def breaker_open_here() -> None:
    """One slow answer from Redis opened this worker's circuit breaker; the other workers go on
    reading Redis (clinic/cache_backend.py)."""
    caches["default"]._down_until = time.monotonic() + 10


def another_worker() -> None:
    caches["default"]._down_until = 0.0


def test_a_staff_sign_out_while_this_worker_skips_the_cache_ends_the_session_everywhere(
    shared_redis, receptionist_client
):
    assert receptionist_client.get("/admin/").status_code == 200  # the session is in Redis
    old_cookie = receptionist_client.cookies["sessionid"].value

    breaker_open_here()
    receptionist_client.post("/admin/logout/")
    another_worker()
    receptionist_client.cookies["sessionid"] = old_cookie  # a copy of the old cookie

    response = receptionist_client.get("/admin/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_answers_deleted_by_walking_away_do_not_come_back_from_the_cache(shared_redis, client):
    protocol = seed_small_clinic().protocol
    answer_screening(client, protocol)

    breaker_open_here()
    client.post(url("abandon", protocol))  # "the answers you gave us have been deleted"
    another_worker()

    page = client.get(url("start", protocol))
    assert page.context["form"].initial == {}
    assert client.get(url("times", protocol)).status_code == 302  # no flow to show times for


def test_a_booking_step_saved_while_this_worker_skips_the_cache_is_what_others_read(
    shared_redis, client
):
    protocol = seed_small_clinic().protocol
    answer_screening(client, protocol)

    breaker_open_here()
    client.get(url("times", protocol))  # the proposal is saved in the session
    another_worker()

    assert "proposal" in SessionStore(client.cookies["sessionid"].value).load()["booking"]


def test_a_session_stays_in_the_cache_a_few_minutes_at_most(shared_redis, client):
    protocol = seed_small_clinic().protocol
    answer_screening(client, protocol)
    key = SessionStore.cache_key_prefix + client.cookies["sessionid"].value

    redis = caches["default"]._cache.get_client(write=True)
    seconds = redis.ttl(caches["default"].make_key(key))

    assert 0 < seconds <= SESSION_CACHE_SECONDS < django_settings.SESSION_COOKIE_AGE


def test_a_session_entry_the_cache_cannot_read_is_read_from_the_database(shared_redis):
    session = SessionStore()
    session["flow"] = "kept"
    session.save()
    key = caches["default"].make_key(SessionStore.cache_key_prefix + session.session_key)
    caches["default"]._cache.get_client(write=True).set(key, b"\x80\x04\x95not a pickle")

    assert SessionStore(session.session_key).load() == {"flow": "kept"}
