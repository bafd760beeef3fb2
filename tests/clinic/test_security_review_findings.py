"""Findings of an adversarial review of staff sign-in, headers and failure modes (issue 13)."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from clinic.accounts.services import LAST_SEEN_SESSION_KEY
from clinic.demo import DEMO_PASSWORD
from clinic.logging import JsonFormatter, scrub, sentry_before_send
from tests.factories import ArticleFactory, ProtocolFactory, SourceFactory, UserFactory
from tests.second_factor import login_with_second_factor

pytestmark = pytest.mark.django_db


def test_a_clinician_without_the_staff_flag_still_gets_the_idle_timeout(client, settings):
    # The clinician area checks the medical permission, not is_staff, and the admin's "add user"
    # leaves is_staff off: such an account reads medical data in /<lang>/staff/, so its session
    # must end after the idle limit and at browser close like every other staff session.
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    user = UserFactory(username="doc2", is_staff=False)
    user.groups.add(Group.objects.get(name="Clinician"))
    login_with_second_factor(client, user)

    assert client.get("/en/staff/").status_code == 200
    assert client.session.get_expire_at_browser_close()

    session = client.session
    session[LAST_SEEN_SESSION_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/en/staff/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/staff/login/")
    assert "_auth_user_id" not in client.session


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


def test_the_deploy_check_catches_a_clinician_without_the_staff_flag_on_the_demo_password(
    settings,
):
    # Such an account signs in at /<lang>/staff/ and reads medical data: the check looked at
    # is_staff and is_superuser only.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    user = UserFactory(username="dr.demo", is_staff=False, password=DEMO_PASSWORD)
    user.groups.add(Group.objects.get(name="Clinician"))

    with pytest.raises(SystemCheckError, match=rf"clinic\.E003.*user ids {user.pk}\)"):
        call_command("check", "--deploy", "--tag", "demo")


def test_text_a_visitor_typed_never_becomes_this_responses_csp_nonce(client):
    # The nonce placeholder was the public string "__CSP_NONCE__", swapped for the real nonce
    # anywhere in the page: a search for it printed the nonce, so any HTML injection could write
    # <script nonce="__CSP_NONCE__"> and pass the policy.
    response = client.get("/en/search/", {"q": "__CSP_NONCE__ x"})

    nonces = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert response.status_code == 200
    assert not any(nonce in response.text for nonce in nonces)
    assert "__CSP_NONCE__ x" in response.text  # the search term is shown as typed


def test_a_javascript_source_url_does_not_reach_the_structured_data(client):
    # The article's JSON-LD lists its sources for search engines, which show "url" as a link:
    # it took the stored URL as it was, past the http(s)-only rule the visible link follows.
    article = ArticleFactory(related_protocols=[ProtocolFactory()])
    SourceFactory(article=article, title="A study", url="javascript:alert(document.cookie)")
    SourceFactory(article=article, title="Another", url="https://doi.org/10.1111/jocd.1")

    html = client.get(article.get_absolute_url()).text

    data = json.loads(
        re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1)
    )
    assert [citation.get("url") for citation in data["citation"]] == [
        None,
        "https://doi.org/10.1111/jocd.1",
    ]
    assert "javascript:" not in html


def test_a_permission_refusal_is_the_branded_page_in_the_visitors_language(client):
    # Reception opening the clinician area is refused with PermissionDenied; without a 403 page
    # that was Django's bare English "403 Forbidden", without the clinic's phone.
    user = UserFactory(username="desk2", is_staff=True)
    user.groups.add(Group.objects.get(name="Reception"))
    login_with_second_factor(client, user)

    response = client.get("/de/staff/")

    assert response.status_code == 403
    html = response.text
    assert '<html lang="de">' in html
    assert "Zugriff" in html  # the German heading, not "403 Forbidden"
    assert "Forbidden" not in html
    assert settings.CLINIC_PHONE in html
    assert "Content-Security-Policy" in response.headers


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
