"""Content-Security-Policy and Permissions-Policy on every HTML page; only http(s) links from the
database; read-only pages refuse writes."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client

from tests.factories import ArticleFactory, ProtocolFactory, SourceFactory, UserFactory
from tests.second_factor import login_with_second_factor

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (item.strip() for item in header.split(";"))
        if part
    }


def assert_strict_policy(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_a_public_page_sends_the_policy(client):
    response = client.get("/en/")

    assert response.status_code == 200
    assert_strict_policy(response)


def test_an_admin_page_sends_the_policy(client):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    login_with_second_factor(client, admin)

    for path in ("/admin/login/", "/admin/", "/admin/treatments/protocol/"):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert_strict_policy(response)


def test_error_pages_send_the_policy(client):
    not_found = client.get("/en/no-such-page/")
    csrf = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})

    assert not_found.status_code == 404
    assert_strict_policy(not_found)
    assert csrf.status_code == 403
    assert_strict_policy(csrf)


def test_the_json_ld_block_carries_the_nonce_of_its_own_response_even_when_cached(client):
    article = ArticleFactory(related_protocols=[ProtocolFactory()])
    SourceFactory(article=article)

    for _ in range(2):  # rendered, then served from the cache
        response = client.get(article.get_absolute_url())
        nonce = re.search(r'<script type="application/ld\+json" nonce="([^"]+)">', response.text)[1]
        assert f"'nonce-{nonce}'" in directives(response)["script-src"]
        assert "__CSP_NONCE__" not in response.text
    assert re.findall(r"<script(?![^>]*nonce=)", response.text) == []


def test_no_template_has_an_inline_script_without_a_nonce_or_an_inline_style():

    templates = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in templates.rglob("*.html"):
        if "emails" in path.parts:  # email clients, not browsers under our CSP
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0) and "{% csp_nonce %}" not in match.group(0):
                offenders.append(f"{path.relative_to(templates)}: {match.group(0)}")
        if re.search(r"<style\b|\sstyle=\"", text):
            offenders.append(f"{path.relative_to(templates)}: inline style")
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{path.relative_to(templates)}: inline event handler")

    assert offenders == []


def test_every_stored_url_in_a_template_goes_through_http_url():

    # Addresses the code builds (this page in another language, the share image) are not stored.
    computed = {"alternate.url", "share_image.url"}
    templates = Path(__file__).resolve().parents[2] / "templates"
    unfiltered = [
        f"{path.relative_to(templates)}: {match.group(0)}"
        for path in templates.rglob("*.html")
        for match in re.finditer(r'href="\{\{\s*([\w.]*\.url)\s*\}\}"', path.read_text("utf-8"))
        if match.group(1) not in computed
    ]

    assert unfiltered == [], "use {% with link=row.url|http_url %}…{% endwith %}"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/",
        "/relative/path",
    ],
)
def test_a_source_saved_outside_the_admin_form_never_reaches_an_href_unless_http(client, url):
    article = ArticleFactory(related_protocols=[ProtocolFactory()])
    SourceFactory(article=article, title="A study", url=url)

    html = client.get(article.get_absolute_url()).text

    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [href for href in hrefs if "script:" in href.lower() or href.startswith("data:")]
    assert "Read the source" not in html


def test_an_https_source_is_linked(client):
    article = ArticleFactory(related_protocols=[ProtocolFactory()])
    SourceFactory(article=article, url="https://pubmed.ncbi.nlm.nih.gov/39624733/")

    html = client.get(article.get_absolute_url()).text

    assert 'href="https://pubmed.ncbi.nlm.nih.gov/39624733/"' in html


def test_the_http_url_filter():
    template = Template("{% load security %}[{{ url|http_url }}]")

    def render(url: object) -> str:
        return template.render(Context({"url": url}))

    assert render("https://example.org/a?b=c") == "[https://example.org/a?b=c]"
    assert render("http://example.org/") == "[http://example.org/]"
    assert render("javascript:alert(1)") == "[]"
    assert render("mailto:a@example.org") == "[]"
    assert render(None) == "[]"
    assert render("https://") == "[]"


@pytest.mark.parametrize(
    "path",
    ["/en/", "/en/treatments/", "/en/learn/", "/en/search/?q=acne", "/robots.txt"],
)
def test_read_only_pages_refuse_writes(client, path):
    response = client.post(path)

    assert response.status_code == 405
    assert client.head(path).status_code == 200


def _allowed_methods(view: object) -> list[str] | None:
    """The methods a require_safe / require_POST / require_http_methods wrapper allows."""
    seen = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        code = getattr(view, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = view.__closure__[code.co_freevars.index("request_method_list")]
            return list(cell.cell_contents)
        view = getattr(view, "__wrapped__", None)
    return None


def test_every_function_view_declares_the_methods_it_answers():
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) == "admin/":  # Django's own admin checks its methods
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    undeclared = [
        path
        for path, view in walk(get_resolver().url_patterns)
        if not hasattr(view, "view_class") and _allowed_methods(view) is None
    ]

    assert undeclared == []


def test_a_page_with_a_nonce_declares_its_real_length(client):
    article = ArticleFactory(related_protocols=[ProtocolFactory()])

    response = client.get(article.get_absolute_url())  # no gzip: the length is the body's

    assert 'nonce="' in response.text
    assert int(response["Content-Length"]) == len(response.content)


@pytest.mark.django_db
def test_the_policy_built_once_is_the_one_django_csp_builds_per_response(client):
    from csp.utils import build_policy

    plain = client.get("/livez")
    article = ArticleFactory()
    with_nonce = client.get(article.get_absolute_url())

    assert plain["Content-Security-Policy"] == build_policy()
    nonce = re.search(r"'nonce-([^']+)'", with_nonce["Content-Security-Policy"]).group(1)
    assert with_nonce["Content-Security-Policy"] == build_policy(nonce=nonce)
    assert f'nonce="{nonce}"' in with_nonce.text


@pytest.mark.django_db
def test_a_changed_policy_setting_is_used_at_once(client, settings):
    client.get("/livez")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"]}}

    assert client.get("/livez")["Content-Security-Policy"] == "default-src 'self'"


def test_text_a_visitor_typed_never_becomes_this_responses_csp_nonce(client):
    # The nonce placeholder was the public string "__CSP_NONCE__", swapped for the real nonce
    # anywhere in the page: a search for it printed the nonce, so any HTML injection could write
    # <script nonce="__CSP_NONCE__"> and pass the policy.
    response = client.get("/en/search/", {"q": "__CSP_NONCE__ x"})

    nonces = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert response.status_code == 200
    assert not any(nonce in response.text for nonce in nonces)
    assert "__CSP_NONCE__ x" in response.text  # the search term is shown as typed
