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
