"""Every anonymous public page is served from the cache, holds nothing of anyone, and edits show.

The first half checks the rules of `common.page_cache` on small views of its own (this module is
also their URLconf); the second half checks the real pages: home, catalogue, protocol, learn.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse

from clinic.urls import urlpatterns as project_urlpatterns
from common.csp import nonce_placeholder
from common.page_cache import cached_public_page
from tests.clinical.conftest import sign_in
from tests.factories import ArticleFactory, IndicationFactory, ProtocolFactory, UserFactory

RENDERS: list[str] = []


def _render(request: HttpRequest, source: str) -> HttpResponse:
    RENDERS.append(request.path)
    return HttpResponse(engines["django"].from_string(source).render({}, request))


@cached_public_page()
def nonce_page(request: HttpRequest) -> HttpResponse:
    """A template reading the nonce from the request (the stored copy must not keep it)."""
    return _render(
        request, '<script type="application/ld+json" nonce="{{ request.csp_nonce }}">{}</script>'
    )


@cached_public_page()
def nonce_tag_page(request: HttpRequest) -> HttpResponse:
    """The project's way: the placeholder tag, filled in per response by our middleware."""
    return _render(
        request,
        '{% load security %}<script type="application/ld+json" nonce="{% csp_nonce %}">{}</script>',
    )


@cached_public_page()
def form_page(request: HttpRequest) -> HttpResponse:
    return _render(request, '<form method="post">{% csrf_token %}</form>')


@cached_public_page(query=("colour",))
def filtered_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"colour={request.GET.get('colour', 'any')} {request.get_full_path()}")


@cached_public_page(query="ignore")
def plain_page(request: HttpRequest) -> HttpResponse:
    RENDERS.append(request.path)
    return HttpResponse("the same for everyone")


@cached_public_page()
def missing_page(request: HttpRequest) -> HttpResponse:
    RENDERS.append(request.path)
    return HttpResponse("gone", status=404)


urlpatterns = [
    path("nonce/", nonce_page),
    path("nonce-tag/", nonce_tag_page),
    path("form/", form_page),
    path("filtered/", filtered_page),
    path("plain/", plain_page),
    path("missing/", missing_page),
    # The project's own URLs too: the layout's context processor reverses them (home, learn…),
    # and must not depend on another test having filled its memo first.
    *project_urlpatterns,
]


@pytest.fixture(autouse=True)
def _no_renders_yet():
    RENDERS.clear()


def header_nonce(response: HttpResponse) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/nonce/", "/nonce-tag/"])
def test_each_cached_response_gets_its_own_nonce_in_page_and_header(client, url):
    responses = [client.get(url) for _ in range(3)]

    assert [url] == RENDERS, "the second and third responses came from the cache"
    nonces = [header_nonce(response) for response in responses]
    assert len(set(nonces)) == 3
    for response, nonce in zip(responses, nonces, strict=True):
        assert f'nonce="{nonce}"' in response.text
        assert nonce_placeholder().decode() not in response.text
    assert nonces[0] not in responses[1].text and nonces[0] not in responses[2].text


@pytest.mark.urls(__name__)
def test_a_page_with_a_csrf_token_is_never_cached(client):
    first = Client().get("/form/")
    second = Client().get("/form/")

    assert RENDERS == ["/form/", "/form/"]
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(first.text).group(1) != token.search(second.text).group(1)


@pytest.mark.urls(__name__)
def test_visitors_with_a_session_are_served_fresh_and_never_fill_the_cache(client, db):
    staff = Client()
    staff.cookies["sessionid"] = "someone-signed-in"
    staff.get("/plain/")
    staff.get("/plain/")
    Client().get("/plain/")
    Client().get("/plain/")

    assert RENDERS == ["/plain/"] * 3, "two fresh renders for the session, one for anonymous"


@pytest.mark.urls(__name__)
def test_a_visitor_with_pending_messages_is_served_fresh(client):
    Client().get("/plain/")
    with_message = Client()
    with_message.cookies["messages"] = "pending"
    with_message.get("/plain/")

    assert RENDERS == ["/plain/", "/plain/"]


@pytest.mark.urls(__name__)
def test_declared_parameters_select_the_page_and_any_other_bypasses_the_cache(client):
    red = client.get("/filtered/?colour=red").text
    blue = client.get("/filtered/?colour=blue").text
    red_again = client.get("/filtered/?colour=red").text
    tracked = client.get("/filtered/?colour=red&utm_source=mail").text

    assert red == red_again == "colour=red /filtered/?colour=red"
    assert blue == "colour=blue /filtered/?colour=blue"
    assert "utm_source=mail" in tracked, "rendered fresh, not the cached page"
    assert "utm_source" not in client.get("/filtered/?colour=red").text


@pytest.mark.urls(__name__)
def test_pages_that_ignore_the_query_string_share_one_entry(client):
    client.get("/plain/?utm_source=mail")
    client.get("/plain/?fbclid=1")
    client.get("/plain/")

    assert RENDERS == ["/plain/"]


@pytest.mark.urls(__name__)
def test_only_successful_pages_are_cached(client):
    assert client.get("/missing/").status_code == 404
    assert client.get("/missing/").status_code == 404

    assert RENDERS == ["/missing/", "/missing/"]


# --- The real public pages ----------------------------------------------------------------------


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
        "filtered catalogue": reverse("treatments:protocol-list") + "?indication=acne-scars",
        "protocol": protocol.get_absolute_url(),
        "learn index": reverse("education:article-list"),
        "education page": article.get_absolute_url(),
    }


def without_nonce(html: str) -> str:
    """The page but for the CSP nonce, which every response gets afresh."""
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


def get_counting_queries(client: Client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.text, len(queries)


@pytest.mark.parametrize(
    "page",
    ["home", "catalogue", "filtered catalogue", "protocol", "learn index", "education page"],
)
def test_a_warm_public_page_runs_no_queries(client, public_site, page):
    cold_html, cold = get_counting_queries(client, public_site[page])
    warm_html, warm = get_counting_queries(client, public_site[page])

    assert cold > 0
    assert warm == 0
    assert without_nonce(warm_html) == without_nonce(cold_html)


def test_a_cached_education_page_carries_the_nonce_of_its_own_header(client, public_site):
    first = client.get(public_site["education page"])
    second = client.get(public_site["education page"])

    for response in (first, second):
        nonce = header_nonce(response)
        assert f'<script type="application/ld+json" nonce="{nonce}">' in response.text
    assert header_nonce(first) != header_nonce(second)


def test_each_language_of_a_public_page_is_cached_separately(client, public_site):
    ProtocolFactory(name="Laser course", name_de="Laserkur", slug="laser")

    english = client.get("/en/treatments/laser/").text
    german = client.get("/de/treatments/laser/").text
    _, warm_german = get_counting_queries(client, "/de/treatments/laser/")

    assert "Laserkur" in german and "Laserkur" not in english
    assert warm_german == 0


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


def indication_form(name: str) -> dict[str, object]:
    return {"name_en": name, "slug": "acne-scars", "display_order": 0, "description_en": ""}


def test_an_admin_edit_shows_at_once_on_every_cached_page_that_names_the_row(
    client, public_site, content_editor, django_capture_on_commit_callbacks
):
    for page in ("catalogue", "filtered catalogue", "protocol", "education page"):
        assert "Acne scars" in client.get(public_site[page]).text, page
    indication = IndicationFactory(slug="acne-scars")

    with django_capture_on_commit_callbacks(execute=True):
        response = content_editor.post(
            reverse("admin:treatments_indication_change", args=[indication.pk]),
            indication_form("Acne scars and marks"),
        )

    assert response.status_code == 302
    for page in ("catalogue", "filtered catalogue", "protocol", "education page"):
        assert "Acne scars and marks" in client.get(public_site[page]).text, page
