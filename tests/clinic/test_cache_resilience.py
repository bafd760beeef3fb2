"""The cache is an accelerator, never a dependency (clinic/cache_backend.py, content_cache.py).

Redis is simulated two ways, neither needing a Redis server: a closed local port (connection
refused at once) and a socket server that accepts connections and never answers (a hung Redis:
only the socket timeout ends the wait).
"""

import socket
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from bookings.online import ratelimit
from bookings.online.ratelimit import rate_limit_exceeded
from clinic.env import env_cache
from common.content_cache import GENERATION_SECONDS
from tests.clinical.conftest import sign_in
from tests.factories import ArticleFactory, IndicationFactory, ProtocolFactory, UserFactory

REFUSED = "redis://127.0.0.1:1/0"
TIMEOUT_MS = 200


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A server that accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def redis_cache_at(url: str, monkeypatch) -> dict:
    """The CACHES entry settings.py builds for REDIS_URL=url."""
    monkeypatch.setenv("REDIS_URL", url)
    return {"default": env_cache("REDIS_URL", socket_timeout_ms=TIMEOUT_MS, retry_after_seconds=30)}


@pytest.fixture
def public_site(db) -> dict[str, str]:
    indication = IndicationFactory(slug="acne-scars", name="Acne scars")
    protocol = ProtocolFactory(name="Acne scar course", indications=[indication])
    article = ArticleFactory(
        title="What is an exosome?", related_protocols=[protocol], related_indications=[indication]
    )
    return {
        reverse("home"): "Acne scar course",
        reverse("treatments:protocol-list"): "Acne scar course",
        protocol.get_absolute_url(): "Acne scar course",
        reverse("education:article-list"): "What is an exosome?",
        article.get_absolute_url(): "What is an exosome?",
        "/de/learn/": "What is an exosome?",
    }


@pytest.fixture
def content_editor(db) -> Client:
    """A staff member who may edit indications (no medical access, so no second factor)."""
    user = UserFactory(username="editor", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_indication", "view_indication"])
    )
    # Not force_login: its sign-in signal makes django-axes store the test request's missing
    # address, which PostgreSQL refuses (see tests/clinical/conftest.py).
    return sign_in(Client(), user)


def rename_indication(editor: Client, name: str, capture) -> int:
    indication = IndicationFactory(slug="acne-scars")
    with capture(execute=True):
        response = editor.post(
            reverse("admin:treatments_indication_change", args=[indication.pk]),
            {"name_en": name, "slug": "acne-scars", "display_order": 0, "description_en": ""},
        )
    return response.status_code


@pytest.mark.parametrize("redis", ["refused", "hung"])
def test_every_public_page_is_served_quickly_from_the_database_while_redis_is_down(
    public_site, settings, monkeypatch, hung_redis, redis
):
    settings.CACHES = redis_cache_at(REFUSED if redis == "refused" else hung_redis, monkeypatch)
    visitor = Client()

    started = time.monotonic()
    for url, text in public_site.items():
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert text in response.text, url
    elapsed = time.monotonic() - started

    # One socket timeout at most (the breaker then skips Redis); rendering six pages is quick.
    assert elapsed < TIMEOUT_MS / 1000 + 2, f"{elapsed:.2f} s for {len(public_site)} pages"


def test_a_hung_redis_costs_one_socket_timeout_then_nothing(settings, monkeypatch, hung_redis):
    settings.CACHES = redis_cache_at(hung_redis, monkeypatch)

    started = time.monotonic()
    assert cache.get("anything", "missing") == "missing"
    first = time.monotonic() - started
    started = time.monotonic()
    for number in range(50):
        assert cache.get(f"key-{number}") is None
        cache.set(f"key-{number}", number)
        assert cache.add(f"key-{number}", number) is False
    following = time.monotonic() - started

    assert TIMEOUT_MS / 1000 * 0.8 < first < TIMEOUT_MS / 1000 + 1
    assert following < 0.1


def test_an_unreachable_cache_answers_like_an_empty_one(settings, monkeypatch):
    settings.CACHES = redis_cache_at(REFUSED, monkeypatch)

    cache.set("a", 1)
    assert cache.get("a") is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("a") is False
    assert cache.delete("a") is False
    with pytest.raises(ValueError):
        cache.incr("a")  # as for a missing key: a counter built on it starts again (fails open)
    assert cache.ping() is False


@pytest.mark.django_db
def test_booking_rate_limits_hold_while_redis_is_down(settings, monkeypatch):
    """The probe's finding: 12 of 12 holds went through a limit of 10 with Redis down."""
    settings.CACHES = redis_cache_at(REFUSED, monkeypatch)
    request = RequestFactory().post("/en/book/x/details/", REMOTE_ADDR="203.0.113.7")
    other = RequestFactory().post("/en/book/x/details/", REMOTE_ADDR="203.0.113.8")

    verdicts = [rate_limit_exceeded(request, ratelimit.HOLD) for _ in range(12)]

    assert cache.is_down()
    assert verdicts == [False] * 10 + [True] * 2, "the 11th hold from one address is refused"
    assert not rate_limit_exceeded(other, ratelimit.HOLD), "another address is not affected"
    assert [rate_limit_exceeded(request, ratelimit.RESEND_LINK) for _ in range(6)] == [
        False
    ] * 5 + [True]


def test_the_breaker_closes_when_redis_answers_again(settings, monkeypatch):
    settings.CACHES = redis_cache_at(REFUSED, monkeypatch)
    assert cache.get("a") is None
    assert cache.is_down()

    # Redis is back (stood in for by the parent class answering) and the pause is over.
    monkeypatch.setattr("django.core.cache.backends.redis.RedisCache.get", lambda *a, **k: "hit")
    cache._down_until = time.monotonic() - 1

    assert cache.get("a") == "hit"
    assert not cache.is_down()


def test_an_editor_saving_while_redis_is_down_gets_no_error_and_the_site_shows_the_edit(
    public_site, content_editor, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CACHES = redis_cache_at(REFUSED, monkeypatch)

    status = rename_indication(
        content_editor, "Acne scars and marks", django_capture_on_commit_callbacks
    )

    assert status == 302
    catalogue = Client().get(reverse("treatments:protocol-list")).text
    assert "Acne scars and marks" in catalogue


def test_an_edit_made_during_the_outage_shows_within_a_minute_of_redis_coming_back(
    public_site, content_editor, settings, monkeypatch, django_capture_on_commit_callbacks
):
    catalogue = reverse("treatments:protocol-list")
    visitor = Client()
    assert "Acne scars" in visitor.get(catalogue).text  # cached while the cache was up
    shared_cache = settings.CACHES

    settings.CACHES = redis_cache_at(REFUSED, monkeypatch)  # Redis goes away
    status = rename_indication(
        content_editor, "Pitted acne scars", django_capture_on_commit_callbacks
    )
    assert status == 302
    settings.CACHES = shared_cache  # Redis is back, still holding the page cached before

    # The old generation, and with it the old page, lives at most GENERATION_SECONDS.
    assert GENERATION_SECONDS <= 60
    later = time.time() + GENERATION_SECONDS + 1
    monkeypatch.setattr(
        "django.core.cache.backends.locmem.time", SimpleNamespace(time=lambda: later)
    )
    html = visitor.get(catalogue).text
    assert "Pitted acne scars" in html
    assert ">Acne scars<" not in html


def test_the_cache_settings_keep_timeouts_short(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")

    config = env_cache("REDIS_URL", socket_timeout_ms=250, retry_after_seconds=10)

    assert config["BACKEND"] == "clinic.cache_backend.ResilientRedisCache"
    assert config["OPTIONS"]["socket_connect_timeout"] == 0.25
    assert config["OPTIONS"]["socket_timeout"] == 0.25
    assert config["OPTIONS"]["retry_after_seconds"] == 10


def test_every_cache_operation_shares_one_redis_client_per_connection_pool(monkeypatch):
    from django.core.cache.backends.redis import RedisCacheClient

    from clinic.cache_backend import ResilientRedisCache

    entry = redis_cache_at("redis://127.0.0.1:6379/14", monkeypatch)["default"]
    backend = ResilientRedisCache(entry["LOCATION"], entry)
    client = backend._cache

    assert isinstance(client, RedisCacheClient)
    assert client.get_client(write=True) is client.get_client(write=True)
    assert client.get_client("some-key") is client.get_client("another-key")


def test_redis_replies_are_parsed_by_hiredis(monkeypatch):
    """redis-py's C parser (the hiredis package) is installed and used: its pure-Python one
    costs a fifth more CPU on every cache round trip (issue 22)."""
    from clinic.cache_backend import ResilientRedisCache

    entry = redis_cache_at("redis://127.0.0.1:6379/14", monkeypatch)["default"]
    pool = ResilientRedisCache(entry["LOCATION"], entry)._cache.get_client().connection_pool
    connection = pool.get_connection()
    try:
        assert "Hiredis" in type(connection._parser).__name__
    finally:
        pool.release(connection)


def test_a_hung_redis_costs_the_writes_past_the_breaker_one_timeout_per_pause(
    db, settings, monkeypatch
):
    """Session changes and sign-outs go past the breaker (clinic/sessions.py); while Redis hangs
    they must not each wait for the socket timeout."""
    from django.contrib.sessions.models import Session

    from clinic.sessions import SessionStore

    settings.CACHES = redis_cache_at(REFUSED, monkeypatch)
    tries: list[str] = []

    def hangs(operation: str):
        def call(*args, **kwargs):
            tries.append(operation)
            raise TimeoutError  # what a socket timeout raises, after the wait

        return call

    for operation in ("get", "set", "delete"):
        monkeypatch.setattr(
            f"django.core.cache.backends.redis.RedisCache.{operation}", hangs(operation)
        )
    assert cache.get("a") is None and cache.is_down()  # one slow read opened the breaker

    session = SessionStore()  # a sign-in, a booking step and a sign-out
    session["flow"] = 1
    session.save(must_create=True)
    session.cycle_key()
    session["flow"] = 2
    session.save()
    session.flush()

    assert tries == ["get", "set"], "one write tried Redis; the rest waited for the pause"
    assert not Session.objects.exists()  # signed out in the database all the same
