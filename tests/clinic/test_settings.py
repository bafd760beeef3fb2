"""A bad configuration value stops start-up with a message naming the variable."""

import ast
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connections, transaction

PROJECT = Path(__file__).resolve().parents[2]
START = "import django; django.setup()"


def start_django(*, code: str = START, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "DEBUG",
            "TIME_ZONE",
            "EMAIL_BACKEND",
            "TRUST_X_FORWARDED_PROTO",
            # CI's PostgreSQL pass turns the pool on; each test sets what it checks.
            "DATABASE_POOL",
            "DATABASE_POOL_MAX_SIZE",
            "DATABASE_PGBOUNCER",
            "TASKS_BACKEND",
        }
    }
    environment.update({"SECRET_KEY": "test-only", **env})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "clinic.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def setting_at_start_up(expression: str, **env: str) -> object:
    """The value of `settings.<expression>` in a fresh process started with `env`."""
    result = start_django(
        code=f"{START}; from django.conf import settings; print(repr(settings.{expression}))",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip())


def test_a_postgres_url_selects_postgresql_with_persistent_checked_connections():
    database = setting_at_start_up(
        'DATABASES["default"]',
        DEBUG="false",
        DATABASE_URL="postgres://clinic:secret@db.internal:5433/clinic",
    )

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["HOST"], database["PORT"]) == ("clinic", "db.internal", 5433)
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True


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


@pytest.mark.parametrize("server", ["wsgi", "asgi"])
def test_missing_secret_key_stops_the_server_when_debug_is_off(server):
    result = start_django(code=f"import clinic.{server}", DEBUG="false", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_management_commands_that_sign_nothing_run_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=PROJECT,
        env={**os.environ, "DEBUG": "false", "SECRET_KEY": "", "SECRET_KEY_FILE": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


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


def test_the_deploy_check_asks_for_a_shared_cache(tmp_path):
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-secret-key-for-this-test-only-0123456789abcdefghijk",
        "ALLOWED_HOSTS": "clinic.example.com",
        "SECURE_SSL_REDIRECT": "true",
        # A delivering email backend and an empty database, so only the cache can fail the check.
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    environment.pop("REDIS_URL", None)
    # The browser tests' conftest allows sync database calls from async code for the whole
    # process; a real deployment never would, and the deploy check says so.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr

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


def test_an_email_backend_that_cannot_be_imported_stops_start_up():
    result = start_django(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackendd")

    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: EMAIL_BACKEND='django.core.mail.backends.smtp.EmailBackendd' "
        "cannot be imported. Use a dotted path to an email backend class" in result.stderr
    )


def test_an_email_backend_that_is_not_an_email_backend_stops_start_up():
    result = start_django(EMAIL_BACKEND="django.core.mail.EmailMessage")

    assert result.returncode != 0
    assert "EMAIL_BACKEND='django.core.mail.EmailMessage' is not a subclass of" in result.stderr
    assert "Use a dotted path to an email backend class" in result.stderr


def test_a_real_email_backend_is_accepted():
    backend = setting_at_start_up(
        "EMAIL_BACKEND", EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend"
    )

    assert backend == "django.core.mail.backends.smtp.EmailBackend"


def test_x_forwarded_proto_is_not_trusted_unless_asked_for():
    # Without a proxy that overwrites it, any client could claim "https" in this header.
    assert setting_at_start_up("SECURE_PROXY_SSL_HEADER", DEBUG="false") is None
    assert (
        setting_at_start_up("SECURE_PROXY_SSL_HEADER", DEBUG="false", TRUST_X_FORWARDED_PROTO="no")
        is None
    )


def test_x_forwarded_proto_is_trusted_behind_a_proxy_that_sets_it():
    header = setting_at_start_up(
        "SECURE_PROXY_SSL_HEADER", DEBUG="false", TRUST_X_FORWARDED_PROTO="true"
    )

    assert header == ("HTTP_X_FORWARDED_PROTO", "https")


def test_trust_x_forwarded_proto_must_be_a_yes_no_value():
    result = start_django(TRUST_X_FORWARDED_PROTO="proxy")

    assert result.returncode != 0
    assert "TRUST_X_FORWARDED_PROTO='proxy' is not a yes/no value." in result.stderr


@pytest.mark.skipif(
    connections["default"].vendor != "sqlite",
    reason="BEGIN IMMEDIATE is SQLite's stand-in for row locks; PostgreSQL locks rows instead",
)
def test_on_sqlite_a_transaction_takes_the_write_lock_when_it_begins(tmp_path, django_db_blocker):
    """Two bookings must never both read "free": the second waits at BEGIN, not at its write."""
    path = tmp_path / "clinic.sqlite3"
    configured = connections["default"].settings_dict
    probe = type(connections["default"])(
        {
            **configured,
            "NAME": str(path),
            # The project's options (transaction mode, WAL), with a short wait for the test.
            "OPTIONS": {**configured["OPTIONS"], "timeout": 0.2},
        },
        "sqlite_begin_probe",
    )
    connections["sqlite_begin_probe"] = probe
    other_booking = None
    try:
        with django_db_blocker.unblock():
            probe.ensure_connection()
            other_booking = sqlite3.connect(path, isolation_level=None)
            other_booking.execute("BEGIN IMMEDIATE")

            entered = False
            with (
                pytest.raises(OperationalError, match="database is locked"),
                transaction.atomic(using="sqlite_begin_probe"),
            ):
                entered = True

            assert not entered
    finally:
        if other_booking is not None:
            other_booking.close()
        probe.close()
        del connections["sqlite_begin_probe"]
