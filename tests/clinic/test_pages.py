"""Site-wide pages: home, language prefixes, error pages."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import ArticleFactory, IndicationFactory, ProtocolFactory

pytestmark = pytest.mark.django_db


def test_root_redirects_to_a_language_prefixed_home(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_german_visitors_are_sent_to_the_german_home(client):
    response = client.get("/", headers={"accept-language": "de-DE,de;q=0.9"})

    assert response["Location"] == "/de/"


def test_home_explains_the_treatment_and_leads_to_the_catalog(client):
    ProtocolFactory(name="Skin renewal course")

    response = client.get(reverse("home"))

    assert "no exosome product is approved as a medicine" in response.text
    assert f'href="{reverse("treatments:protocol-list")}"' in response.text
    assert "Skin renewal course" in response.text


def test_every_page_has_the_clinic_footer_and_language_switcher(client, settings):
    settings.CLINIC_NAME = "Test Clinic Berlin"
    settings.CLINIC_PHONE = "+49 30 555"

    response = client.get(reverse("treatments:protocol-list"))

    assert "Test Clinic Berlin" in response.text
    assert 'href="tel:+4930555"' in response.text
    assert 'href="/de/treatments/"' in response.text
    assert 'href="/tr/treatments/"' in response.text


def test_language_switcher_keeps_the_page(client):
    protocol = ProtocolFactory(slug="acne-laser")

    response = client.get(f"/de/treatments/{protocol.slug}/")

    assert response.status_code == 200
    assert '<html lang="de">' in response.text
    assert 'href="/en/treatments/acne-laser/"' in response.text


def test_language_switcher_on_the_catalog_keeps_the_filter(client):
    acne = IndicationFactory(slug="acne-scars", name="Acne scars")
    ProtocolFactory(indications=[acne])

    html = client.get("/en/treatments/?indication=acne-scars").text

    assert 'href="/de/treatments/?indication=acne-scars" hreflang="de"' in html
    assert 'href="/tr/treatments/?indication=acne-scars" hreflang="tr"' in html


@pytest.mark.parametrize(
    "page", ["home", "catalog", "protocol", "learn", "article", "search", "not found"]
)
def test_the_skip_link_leads_to_the_main_content(client, page):
    protocol = ProtocolFactory()
    article = ArticleFactory()
    url = {
        "home": reverse("home"),
        "catalog": reverse("treatments:protocol-list"),
        "protocol": protocol.get_absolute_url(),
        "learn": reverse("education:article-list"),
        "article": article.get_absolute_url(),
        "search": f"{reverse('education:search')}?q=exosome",
        "not found": "/en/no-such-page/",
    }[page]

    html = client.get(url).text

    # The first link on the page, so a keyboard user reaches it with the first Tab.
    first_link = re.search(r"<a\b[^>]*>.*?</a>", html, re.DOTALL)[0]
    assert "Skip to main content" in first_link
    target = re.search(r'href="#([^"]+)"', first_link)[1]
    assert len(re.findall(rf'\sid="{re.escape(target)}"', html)) == 1
    # It leads to the page's <main>, which can take focus, and not to some other element.
    assert re.search(rf'<main id="{re.escape(target)}"[^>]*\stabindex="-1"', html)


def test_unknown_page_shows_a_friendly_not_found_page(client):
    response = client.get("/en/no-such-page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.text


@override_settings(DEBUG=False)
def test_server_error_shows_no_traceback(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("clinic.views.render", broken)
    client.raise_request_exception = False

    response = client.get(reverse("home"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_made_up_query_strings_and_paths_do_not_each_keep_a_copy_of_the_language_switcher(client):
    # common.context_processors remembers the switcher's addresses per process (4096 entries).
    # Keyed on the full path, every ?utm_source=… or made-up query string was a new entry holding
    # five copies of it: a few thousand anonymous requests with long query strings kept ~100 MB
    # in every worker. The addresses depend on the path alone; the query is only appended.
    from common.context_processors import _alternates

    acne = IndicationFactory(slug="acne-scars", name="Acne scars")
    ProtocolFactory(indications=[acne])
    client.get("/en/treatments/?indication=acne-scars")
    before = _alternates.cache_info().currsize

    for number in range(20):
        html = client.get(f"/en/treatments/?indication=acne-scars&utm_source={number}").text

    assert 'href="/de/treatments/?indication=acne-scars&amp;utm_source=19" hreflang="de"' in html
    assert _alternates.cache_info().currsize - before <= 1

    before = _alternates.cache_info().currsize
    for number in range(20):
        client.get(f"/en/manage/{number}{'x' * 2000}/")  # any token renders a page
    assert _alternates.cache_info().currsize - before <= 1


def _get_under_script_prefix(client, path: str, script_name: str):
    """A GET as a server mounting the site under `script_name` makes it: Django's WSGI handler
    sets the script prefix from SCRIPT_NAME, which the test client does not do itself."""
    from django.urls import set_script_prefix

    set_script_prefix(script_name)
    try:
        return client.get(path, SCRIPT_NAME=script_name)
    finally:
        set_script_prefix("/")


def test_under_a_script_prefix_the_layout_and_the_language_switcher_keep_it(client):
    """Mounted under /clinic (SCRIPT_NAME): the header and footer links (remembered per language
    and prefix) carry the prefix, and the language switcher and hreflang links lead to the same
    page in the other language, not back to this one."""
    ProtocolFactory(slug="acne-laser")

    response = _get_under_script_prefix(client, "/en/treatments/acne-laser/", "/clinic")
    html = response.text

    assert response.status_code == 200
    assert 'href="/clinic/en/learn/"' in html and 'href="/clinic/en/privacy/"' in html
    assert 'href="/clinic/de/treatments/acne-laser/" hreflang="de"' in html
    assert 'hreflang="tr" href="http://testserver/clinic/tr/treatments/acne-laser/"' in html
