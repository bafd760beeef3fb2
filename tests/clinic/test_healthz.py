"""/healthz tells a load balancer whether this server can serve; /livez that the process answers."""

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection, connections
from django.test.utils import CaptureQueriesContext

from clinic.env import env_cache

pytestmark = pytest.mark.django_db


def test_a_healthy_server_says_so_with_the_state_of_database_and_cache(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "local"}
    assert "no-store" in response["Cache-Control"]


def test_the_answer_names_no_host_database_or_secret(client, settings, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://:cache-password@127.0.0.1:1/0")
    settings.CACHES = {"default": env_cache("REDIS_URL", socket_timeout_ms=100)}

    text = client.get("/healthz").text

    for secret in (
        "cache-password",
        "127.0.0.1",
        str(django_settings.DATABASES["default"]["NAME"]),
        django_settings.SECRET_KEY,
        "Error",
        "redis",
    ):
        assert secret not in text, secret


def test_with_the_cache_down_the_server_stays_in_the_pool_marked_degraded(
    client, settings, monkeypatch
):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    settings.CACHES = {"default": env_cache("REDIS_URL", socket_timeout_ms=100)}

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}


def test_with_the_database_down_the_server_answers_503(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "cache": "local"}


def test_liveness_runs_no_query(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/livez")

    assert response.status_code == 200
    assert response.text == "ok"
    assert len(queries) == 0


def test_probes_over_plain_http_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = django_settings.SECURE_REDIRECT_EXEMPT

    assert client.get("/healthz").status_code == 200
    assert client.get("/livez").status_code == 200
    assert client.get("/en/").status_code == 301


def test_writes_are_refused(client):
    assert client.post("/healthz").status_code == 405
