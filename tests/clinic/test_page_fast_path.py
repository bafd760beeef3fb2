"""The fast path (issue 22): an anonymous visitor's cached public page is answered before the
session, locale, CSRF, auth, messages, second-factor and lockout middleware and the URL resolver,
with exactly the headers the full stack would send, its own CSP nonce and its request id."""

import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

import treatments.views
from common.content_cache import content_cache_clear
from tests.clinic.test_page_cache import header_nonce, without_nonce
from tests.factories import ArticleFactory, IndicationFactory, ProtocolFactory

PAGES = ["home", "catalogue", "protocol", "learn index", "education page"]
# Differ on every response by design.
PER_RESPONSE = {"X-Request-ID", "Content-Security-Policy"}


@pytest.fixture
def public_site(db):
    indication = IndicationFactory(slug="acne-scars", name="Acne scars")
    protocol = ProtocolFactory(name="Acne scar course", indications=[indication])
    article = ArticleFactory(
        title="What is an exosome?", related_protocols=[protocol], related_indications=[indication]
    )
    return {
        "home": reverse("home"),
        "catalogue": reverse("treatments:protocol-list"),
        "protocol": protocol.get_absolute_url(),
        "learn index": reverse("education:article-list"),
        "education page": article.get_absolute_url(),
    }


def fast(response) -> bool:
    """Did the fast path answer? The middleware below it would have set these on the request."""
    request = response.wsgi_request
    return not hasattr(request, "session") and not hasattr(request, "user")


@pytest.mark.parametrize("page", PAGES)
def test_the_second_anonymous_visit_skips_the_heavy_middleware(client, public_site, page):
    first = client.get(public_site[page])
    second = Client().get(public_site[page])

    assert not fast(first), "the first visit renders through the whole stack"
    assert fast(second)
    assert without_nonce(second.text) == without_nonce(first.text)


@pytest.mark.parametrize("page", PAGES)
def test_the_fast_path_sends_the_headers_of_the_full_stack(client, public_site, page):
    # Two full-stack answers first: the rendering and a cache hit through the view.
    full = client.get(public_site[page], HTTP_ACCEPT_ENCODING="identity")
    served = Client().get(public_site[page], HTTP_ACCEPT_ENCODING="identity")

    assert fast(served)
    headers = {name: value for name, value in full.headers.items() if name not in PER_RESPONSE}
    assert {n: v for n, v in served.headers.items() if n not in PER_RESPONSE} == headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Language"] == "en"
    assert "Cookie" in headers["Vary"]
    assert "camera=()" in headers["Permissions-Policy"]
    policy = re.sub(r"'nonce-[^']+'", "'nonce'", served["Content-Security-Policy"])
    assert policy == re.sub(r"'nonce-[^']+'", "'nonce'", full["Content-Security-Policy"])


def test_each_fast_response_has_its_own_nonce_in_page_and_header(client, public_site):
    client.get(public_site["education page"])
    responses = [Client().get(public_site["education page"]) for _ in range(3)]

    assert all(fast(response) for response in responses)
    nonces = {header_nonce(response) for response in responses}
    assert len(nonces) == 3
    for response in responses:
        nonce = header_nonce(response)
        assert f'<script type="application/ld+json" nonce="{nonce}">' in response.text
        assert int(response["Content-Length"]) == len(response.content)


def test_the_fast_path_keeps_the_request_id_and_logs_the_request(client, public_site, caplog):
    client.get(public_site["home"])

    with caplog.at_level(logging.INFO, logger="clinic.request"):
        response = Client().get(public_site["home"], HTTP_X_REQUEST_ID="lb-1234")

    assert fast(response)
    assert response["X-Request-ID"] == "lb-1234"
    lines = [record for record in caplog.records if record.name == "clinic.request"]
    assert {(line.status, line.path, line.user_id) for line in lines} == {
        (200, public_site["home"], None)
    }


def test_a_visitor_with_a_session_or_messages_is_never_fast_pathed(client, public_site, db):
    client.get(public_site["home"])
    staff = Client()
    staff.cookies["sessionid"] = "someone-signed-in"
    pending = Client()
    pending.cookies["messages"] = "pending"

    assert not fast(staff.get(public_site["home"]))
    assert not fast(pending.get(public_site["home"]))


def test_a_query_string_or_a_head_request_takes_the_full_stack(client, public_site):
    client.get(public_site["education page"])

    shared_link = Client().get(public_site["education page"] + "?utm_source=newsletter")
    head = Client().head(public_site["education page"])

    assert not fast(shared_link) and shared_link.status_code == 200
    assert not fast(head) and head.status_code == 200


def test_an_edit_is_shown_at_once_on_the_fast_path(client, public_site):
    url = public_site["learn index"]
    client.get(url)
    assert fast(Client().get(url))

    ArticleFactory(title="Sun protection after a session")
    content_cache_clear()  # what every admin save does after its commit
    fresh = Client().get(url)

    assert not fast(fresh)
    assert "Sun protection after a session" in fresh.text
    assert fast(Client().get(url))


def test_an_edit_committed_while_a_page_renders_is_not_hidden(monkeypatch, db):
    protocol = ProtocolFactory(name="Old name")
    real_render = treatments.views.render

    def render_then_edit(*args, **kwargs):
        response = real_render(*args, **kwargs)  # the page holds "Old name"
        if protocol.name == "Old name":
            # An edit commits while this page is on its way to the cache; its admin save
            # starts a new generation after the commit.
            protocol.name = "New name"
            protocol.save()
            content_cache_clear()
        return response

    monkeypatch.setattr(treatments.views, "render", render_then_edit)
    assert "Old name" in Client().get(protocol.get_absolute_url()).text

    later = Client().get(protocol.get_absolute_url())

    assert "New name" in later.text
    assert not fast(later)


def test_other_languages_and_pages_are_kept_apart(client, public_site):
    client.get("/en/")
    german = Client().get("/de/")

    assert not fast(german), "the German home page is its own entry"
    assert german["Content-Language"] == "de"
    assert fast(Client().get("/de/"))
    assert Client().get("/de/").text != Client().get("/en/").text


def test_a_missing_page_is_not_served_from_the_fast_path(client, db):
    missing = reverse("education:article-detail", args=["no-such-page"])
    client.get(missing)

    response = Client().get(missing)

    assert response.status_code == 404
    assert not fast(response)
