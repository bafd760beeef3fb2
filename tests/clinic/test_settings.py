"""A bad configuration value stops start-up with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def start_django(**env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DEBUG", "TIME_ZONE"}
    }
    environment.update({"SECRET_KEY": "test-only", **env})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "clinic.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_valid_configuration_starts():
    result = start_django(DEBUG="false", DATABASE_URL="postgres://postgres@127.0.0.1:5432/x")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/clinic", "not a url", "postgres://localhost:5432/", ""]
)
def test_bad_database_url_stops_start_up_with_a_clear_message(url):
    result = start_django(DATABASE_URL=url)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL=" in result.stderr
    assert "postgres://user:password@host:5432/name" in result.stderr


def test_debug_maybe_stops_start_up_with_a_clear_message():
    result = start_django(DEBUG="maybe")

    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG='maybe' is not a yes/no value." in result.stderr
    assert "true" in result.stderr.splitlines()[-1]


def test_missing_secret_key_stops_start_up_when_debug_is_off():
    result = start_django(DEBUG="false", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_unknown_time_zone_stops_start_up():
    result = start_django(TIME_ZONE="Europe/Atlantis")

    assert result.returncode != 0
    assert "TIME_ZONE='Europe/Atlantis' is not a time zone" in result.stderr


def test_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")

    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
        cwd=PROJECT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "SECRET_KEY": "",
            "SECRET_KEY_FILE": str(secret),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == "from-a-file", result.stderr


def test_a_cache_url_that_is_not_redis_stops_start_up():
    result = start_django(REDIS_URL="memcached://127.0.0.1:11211")

    assert result.returncode != 0
    assert "REDIS_URL='memcached://127.0.0.1:11211' is not a Redis URL" in result.stderr


def test_the_deploy_check_asks_for_a_shared_cache():
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-secret-key-for-this-test-only-0123456789abcdefghijk",
        "ALLOWED_HOSTS": "clinic.example.com",
        "SECURE_SSL_REDIRECT": "true",
    }
    environment.pop("REDIS_URL", None)

    without_redis = subprocess.run(
        command, cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=60
    )
    with_redis = subprocess.run(
        command,
        cwd=PROJECT,
        env={**environment, "REDIS_URL": "redis://127.0.0.1:6379/0"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert without_redis.returncode != 0
    assert "clinic.W001" in without_redis.stderr
    assert with_redis.returncode == 0, with_redis.stderr
