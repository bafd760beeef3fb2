"""Structured logs: one JSON line per event with a request id, and no personal data."""

import io
import json
import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from gunicorn.config import Config
from gunicorn.glogging import Logger as GunicornLogger

from clinic.logging import JsonFormatter, scrub, sentry_before_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = PROJECT / "clinic" / "gunicorn.conf.py"


@pytest.fixture
def log_lines():
    """Every record logged during the test, formatted as the server writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_a_request_is_one_line_with_its_id_method_path_status_and_user(client, log_lines):
    user = UserFactory(username="desk", is_staff=True)
    client.force_login(user)

    response = client.get("/en/search/?q=pregnant+anticoagulants", HTTP_X_REQUEST_ID="lb-4711")

    assert response["X-Request-ID"] == "lb-4711"
    [line] = [line for line in log_lines() if line["logger"] == "clinic.request"]
    assert line["request_id"] == "lb-4711"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/en/search/", 200)
    assert line["user_id"] == user.pk
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")
    assert "pregnant" not in json.dumps(log_lines()), "search terms stay out of the logs"


def test_a_request_without_an_id_gets_one_and_a_forged_one_is_replaced(client):
    fresh = client.get("/en/")
    forged = client.get("/en/", HTTP_X_REQUEST_ID='x" injected\nline')

    assert len(fresh["X-Request-ID"]) == 32
    assert forged["X-Request-ID"] != 'x" injected\nline'
    assert len(forged["X-Request-ID"]) == 32


def test_sign_ins_are_logged_by_account_id_never_by_name_or_password(log_lines):
    user = UserFactory(username="anna.weber", email="anna@clinic.example", is_staff=True)
    client = Client()

    client.post(
        "/admin/login/",
        {"username": "anna.weber", "password": "Wrong-Secret-1"},
        REMOTE_ADDR="10.1.1.1",
    )
    client.post(
        "/admin/login/",
        {"username": "anna.weber", "password": "correct horse battery staple"},
        REMOTE_ADDR="10.1.1.1",
    )

    events = {line.get("event"): line for line in log_lines() if line["logger"] == "clinic.auth"}
    assert events["login_failed"]["user_id"] == user.pk
    assert events["login_failed"]["ip"] == "10.1.1.1"
    assert events["login_failed"]["level"] == "WARNING"
    assert events["login_ok"]["user_id"] == user.pk
    everything = json.dumps(log_lines())
    for secret in ("anna.weber", "anna@clinic.example", "Wrong-Secret-1", "correct horse", "Weber"):
        assert secret not in everything


def test_no_personal_data_or_tokens_in_any_line(client, log_lines):
    token = "Xk3v9QpL2mZ8rT5wY7bN1cD4"
    client.get(f"/en/manage/{token}/")
    client.get("/en/no-such-page/person@example.org/")

    everything = json.dumps(log_lines())
    assert token not in everything
    assert "person@example.org" not in everything
    paths = [line["path"] for line in log_lines() if line["logger"] == "clinic.request"]
    assert paths == ["/en/manage/[token]/", "/en/no-such-page/[email]/"]


def test_a_forged_host_is_one_line_not_a_traceback(log_lines):
    response = Client().get("/en/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    [line] = [line for line in log_lines() if line["logger"] == "django.security.DisallowedHost"]
    assert line["error"] == "DisallowedHost"
    assert "traceback" not in line
    assert line["request_id"] == response["X-Request-ID"]


def test_an_error_keeps_its_traceback_in_one_json_line():
    try:
        raise ValueError("boom for patient bob@example.com")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )

    line = JsonFormatter().format(record)

    assert "\n" not in line
    data = json.loads(line)
    assert "ValueError" in data["traceback"]
    assert "bob@example.com" not in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/en/learn/own-adipose-msc-exosomes-laser/", "/en/learn/own-adipose-msc-exosomes-laser/"),
        ("/en/manage/Zm9vYmFyLWJhei1xdXV4LTEyMzQ/", "/en/manage/[token]/"),
        ("/en/manage/1a2b3c4d:1tXyZ9:abcdEFGHijklMNOPqrst/", "/en/manage/[token]/"),
        ("/x/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0/", "/x/[token]/"),
        ("mail me at a.b+c@mail.example.de", "mail me at [email]"),
    ],
)
def test_scrub(text, expected):
    assert scrub(text) == expected


def test_gunicorn_access_lines_have_the_same_shape_without_query_or_address():
    config = runpy.run_path(str(GUNICORN_CONF))
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        config["access_log_format"],
        (
            {
                "h": "203.0.113.9",
                "m": "GET",
                "U": "/en/search/",
                "q": "q=pregnant",
                "r": "GET /en/search/?q=pregnant HTTP/1.1",
                "s": "200",
                "D": 12345,
                "a": "Mozilla/5.0",
                "{x-request-id}o": "abc-123",
            },
        ),
        None,
    )

    data = json.loads(JsonFormatter().format(record))

    assert data["logger"] == "gunicorn.access"
    assert data["request_id"] == "abc-123"
    assert (data["method"], data["path"], data["status"]) == ("GET", "/en/search/", 200)
    assert data["duration_ms"] == 12.3
    assert "pregnant" not in json.dumps(data) and "203.0.113.9" not in json.dumps(data)


def test_gunicorn_config_uses_the_json_formatter_for_its_access_log():
    config = runpy.run_path(str(GUNICORN_CONF))
    logging_config = config["logconfig_dict"]

    handler = logging_config["loggers"]["gunicorn.access"]["handlers"][0]
    formatter = logging_config["handlers"][handler]["formatter"]
    assert logging_config["formatters"][formatter]["()"] == "clinic.logging.JsonFormatter"
    cfg = Config()
    cfg.set("logconfig_dict", logging_config)
    GunicornLogger(cfg)  # gunicorn accepts the configuration


@pytest.mark.parametrize(("trust", "expected"), [("false", []), ("true", ["127.0.0.1", "::1"])])
def test_gunicorn_trusts_forwarded_headers_only_with_trust_x_forwarded_proto(
    monkeypatch, trust, expected
):
    monkeypatch.setenv("TRUST_X_FORWARDED_PROTO", trust)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    config = runpy.run_path(str(GUNICORN_CONF))

    cfg = Config()
    cfg.set("forwarded_allow_ips", config["forwarded_allow_ips"])

    assert cfg.forwarded_allow_ips == expected


def start_settings(**env: str) -> str:
    environment = {key: value for key, value in os.environ.items() if key != "SENTRY_DSN"}
    code = (
        "import django; django.setup(); import sentry_sdk; client = sentry_sdk.get_client(); "
        "print(client.is_active(), client.options.get('send_default_pii'), "
        "client.options.get('max_request_body_size'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "clinic.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_error_reports_are_off_by_default_and_on_with_one_variable_without_personal_data():
    assert start_settings().startswith("False")
    assert start_settings(SENTRY_DSN="https://public@errors.example.com/1") == "True False never"


def test_a_manage_token_without_digits_is_not_written_to_the_log(client):
    # secrets.token_urlsafe(32) has no digit in about 1 of 1,500 tokens; the scrubber wanted a
    # digit, so such a patient's whole manage link reached the access log.
    token = "AbcdefGhijkLmnopQrstuVwxyz_-AbcdefGhijkLmno"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        client.get(f"/en/manage/{token}/")
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert token not in stream.getvalue()
    assert [line["path"] for line in lines if line["logger"] == "clinic.request"] == [
        "/en/manage/[token]/"
    ]
    # Slugs (lower case words, digits, hyphens) stay readable.
    assert scrub("/en/treatments/exosome-hair-growth-2-sessions/") == (
        "/en/treatments/exosome-hair-growth-2-sessions/"
    )


SENTRY_PROBE = """
import json
import django
django.setup()
import sentry_sdk

client = sentry_sdk.get_client()
events = []
configured = client.options.get("before_send")

def capture(event, hint):
    # Runs where the transport would: after the project's own before_send.
    if configured is not None:
        event = configured(event, hint)
    if event is not None:
        events.append(event)
    return None

client.options["before_send"] = capture

def book(patient_name, screening_answer):
    raise ValueError("booking failed")

# Built at run time, so the values are in local variables but not in the source lines sent.
name, answer = "Jane " + "Doe", "preg" + "nant: yes"
path = "/en/manage/" + "Abcdef" + "GhijkLmnopQrstuVwxyz_-AbcdefGhijkLmno/"
try:
    book(name, answer)
except ValueError:
    with sentry_sdk.new_scope() as scope:
        scope.add_breadcrumb(category="django.request", message="Not Found: " + path)
        scope.add_breadcrumb(category="bookings", message="mail to jane" + "@example.org")
        sentry_sdk.capture_exception()
print(json.dumps(events, default=str))
"""


def test_error_reports_carry_no_local_variables_or_unscrubbed_breadcrumbs():
    # send_default_pii=False does not stop sentry-sdk from sending every frame's local
    # variables (a patient's name, screening answers, form data) or log breadcrumbs as logged.
    environment = {key: value for key, value in os.environ.items() if key != "SENTRY_DSN"}
    result = subprocess.run(
        [sys.executable, "-c", SENTRY_PROBE],
        cwd=Path(__file__).resolve().parents[2],
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "SENTRY_DSN": "https://public@errors.example.com/1",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(events) == 1
    sent = json.dumps(events)
    assert "booking failed" in sent  # the error itself is reported
    assert "Jane Doe" not in sent
    assert "pregnant" not in sent
    assert "jane@example.org" not in sent
    assert "AbcdefGhijkLmnopQrstuVwxyz" not in sent


def test_error_reports_drop_the_query_string_and_tokens_from_the_request():
    event = {
        "request": {
            "url": "https://clinic.example/en/manage/AbcdefGhijkLmnopQrstuVwxyz_-AbcdefGhij/",
            "query_string": "q=acne+pregnant",
            "method": "GET",
            "headers": {"Referer": "https://clinic.example/en/search/?q=acne"},
        }
    }

    sent = json.dumps(sentry_before_send(event, {}))

    assert "acne" not in sent
    assert "AbcdefGhijkLmnop" not in sent
    assert "/en/manage/[token]/" in sent
