"""Kind failure modes: branded 400, 403 (CSRF) and 500 pages in the visitor's language with the
clinic's phone, and a 503 with Retry-After, not a traceback, when the database is down."""

import json
import logging
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext

from clinic.logging import JsonFormatter
from clinic.urls import handler400, handler500  # noqa: F401  (this module is a root URLconf too)
from clinic.urls import urlpatterns as project_urlpatterns
from tests.factories import UserFactory
from tests.second_factor import login_with_second_factor

pytestmark = pytest.mark.django_db

PHONE = "+49 30 1234 5678"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *project_urlpatterns]


def translated(language: str, text: str) -> str:
    """`text` as the interface shows it in `language` (the catalogues are filled in one pass)."""
    with translation.override(language):
        return gettext(text)


def database_down():
    """Every new query fails the way a refused connection does."""
    return mock.patch.object(
        BaseDatabaseWrapper,
        "ensure_connection",
        side_effect=OperationalError('connection to server at "db" failed: Connection refused'),
    )


def json_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records]


def test_database_down_answers_503_with_retry_after_and_a_kind_page(client):
    with database_down():
        response = client.get("/en/treatments/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "We are briefly unavailable" in response.text
    assert PHONE in response.text
    assert "Traceback" not in response.text and "OperationalError" not in response.text
    assert "Content-Security-Policy" in response


def test_database_down_while_loading_a_staff_session_is_a_503_too(caplog):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="desk", is_staff=True))

    with database_down(), caplog.at_level(logging.INFO):
        response = client.get("/de/", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert '<html lang="de">' in response.text
    assert translated("de", "We are briefly unavailable") in response.text
    lines = json_lines(caplog)
    assert lines, "the outage is logged"
    assert not any("traceback" in line for line in lines), "one line, not a traceback"
    assert any(line.get("error") == "OperationalError" for line in lines)


@pytest.mark.urls(__name__)
def test_a_server_error_shows_the_branded_page_in_the_visitors_language(
    django_assert_num_queries,
):
    client = Client(raise_request_exception=False)

    with django_assert_num_queries(0):  # the page itself needs no database
        response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="tr")

    assert response.status_code == 500
    assert '<html lang="tr">' in response.text
    assert translated("tr", "Something went wrong on our side") in response.text
    assert PHONE in response.text
    assert "a bug" not in response.text and "Traceback" not in response.text
    assert "Content-Security-Policy" in response


def test_a_form_sent_without_its_csrf_token_gets_the_branded_page(client):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/admin/login/", {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE="de"
    )

    assert response.status_code == 403
    assert '<html lang="de">' in response.text
    assert translated("de", "This form has expired") in response.text
    assert PHONE in response.text
    assert 'href="/de/"' in response.text


def test_a_bad_request_gets_the_branded_page(client):
    response = client.get("/en/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "We could not understand that request" in response.text
    assert PHONE in response.text


def test_the_english_pages_are_the_default(client):
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {})

    assert "This form has expired" in response.text
    assert '<html lang="en">' in response.text


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
