"""`{% url %}` keeps the addresses of views without arguments (common/templatetags/kept_urls.py)
and gives what Django's own tag gives, in every case that could tell them apart."""

from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace

import pytest
from django.template import Context, Engine, engines
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_script_prefix,
    reverse,
    set_script_prefix,
    set_urlconf,
)
from django.utils import translation

from common.templatetags import kept_urls

# Django's own tag, from an engine without the project's builtins.
DJANGO = Engine(libraries={}, builtins=[])

CATALOGUE = "{% url 'treatments:protocol-list' %}"
ADMIN = "{% url 'admin:index' %}"
CASES = [
    CATALOGUE,
    "{% url 'treatments:protocol-detail' 'glow' %}",
    "{% url 'treatments:protocol-detail' slug='a-b' %}",
    "{% url 'calendar-feed' 'a&b' %}",
    ADMIN,
    "{% url name %}",
    "{% url 'livez' as there %}[{{ there }}]",
    "{% url 'no-such-view' as there %}[{{ there }}]",
    "{% autoescape off %}{% url 'admin:index' %}{% endautoescape %}",
]


def both(source: str, **context) -> tuple[str, str]:
    ours = engines["django"].from_string(source).render(context)
    theirs = DJANGO.from_string(source).render(Context(context))
    return ours, theirs


@pytest.fixture(autouse=True)
def nothing_kept():
    kept_urls._kept.clear()
    yield
    kept_urls._kept.clear()


@pytest.fixture
def reversed_names(monkeypatch) -> list[str]:
    """The view names Django was asked to reverse."""
    names: list[str] = []
    reverse = kept_urls.reverse

    def counted(view_name, *args, **kwargs):
        names.append(view_name)
        return reverse(view_name, *args, **kwargs)

    monkeypatch.setattr(kept_urls, "reverse", counted)
    return names


def test_the_project_uses_it_as_the_url_tag():
    template = engines["django"].from_string("{% url 'admin:index' %}")
    assert isinstance(template.template.nodelist[0], kept_urls.KeptURLNode)


@pytest.mark.parametrize("language", ["en", "de", "tr"])
def test_every_form_of_the_tag_gives_what_djangos_gives(language):
    with translation.override(language):
        for _twice in range(2):  # the second time from what was kept
            for source in CASES:
                ours, theirs = both(source, name="treatments:protocol-list")
                assert ours == theirs, source
    assert kept_urls._kept  # something was kept
    with translation.override("de"):
        assert both(CATALOGUE)[0] == "/de/treatments/"


def test_an_address_kept_in_one_language_is_not_given_in_another():
    with translation.override("en"):
        assert both(CATALOGUE)[0] == "/en/treatments/"
    with translation.override("de"):
        assert both(CATALOGUE)[0] == "/de/treatments/"


def test_a_missing_view_fails_every_time_as_djangos_does():
    for _twice in range(2):
        with pytest.raises(NoReverseMatch) as ours:
            engines["django"].from_string("{% url 'no-such-view' %}").render({})
        with pytest.raises(NoReverseMatch) as theirs:
            DJANGO.from_string("{% url 'no-such-view' %}").render(Context())
        assert str(ours.value) == str(theirs.value)


def test_the_script_prefix_is_part_of_the_key():
    try:
        set_script_prefix("/clinic/")
        assert both(ADMIN) == ("/clinic/admin/", "/clinic/admin/")
    finally:
        clear_script_prefix()
        set_script_prefix("/")
    assert both(ADMIN) == ("/admin/", "/admin/")


def test_the_requests_own_urlconf_and_a_changed_setting_are_followed():
    try:
        set_urlconf("tests.clinic.kept_urls_conf")
        assert both("{% url 'livez' %}") == ("/elsewhere/livez", "/elsewhere/livez")
    finally:
        set_urlconf(None)
    assert both("{% url 'livez' %}") == ("/livez", "/livez")
    with override_settings(ROOT_URLCONF="tests.clinic.kept_urls_conf"):
        assert both("{% url 'livez' %}") == ("/elsewhere/livez", "/elsewhere/livez")
    assert both("{% url 'livez' %}") == ("/livez", "/livez")


def test_the_current_apps_namespace_is_part_of_the_key():
    """An instance namespace chosen by the request (Django's own example: two admin sites)."""
    source = "{% url 'kept:page' %}"
    with override_settings(ROOT_URLCONF="tests.clinic.kept_urls_conf"):
        for app, expected in (("one", "/one/page"), ("two", "/two/page"), ("one", "/one/page")):
            context = Context({})
            context.request = SimpleNamespace(current_app=app)
            ours = engines["django"].from_string(source).template.render(context)
            theirs = DJANGO.from_string(source).render(context)
            assert ours == theirs == expected


def test_the_kept_addresses_never_grow_past_the_limit(monkeypatch):
    monkeypatch.setattr(kept_urls, "KEPT", 3)
    for number in range(10):
        both("{% url name as there %}", name=f"missing-{number}")
    assert len(kept_urls._kept) <= 3


def test_an_address_without_arguments_is_reversed_once(reversed_names):
    for _three_times in range(3):
        both(ADMIN)
        both("{% url 'no-such-view' as there %}")
    assert reversed_names == ["admin:index", "no-such-view"]


@override_settings(ROOT_URLCONF="tests.clinic.kept_urls_conf")
def test_an_address_with_an_id_is_the_kept_one_with_the_id_put_in(reversed_names):
    for pk in (1, 42, 2147483647, 10**12):
        assert kept_urls.id_url("object")(pk) == f"/objects/{pk}/"
    assert reversed_names == ["object"]

    odd = kept_urls.id_url("odd-object")
    assert [odd(pk) for pk in (7, 8)] == ["/2147483647/7/", "/2147483647/8/"]
    with pytest.raises(NoReverseMatch):
        kept_urls.id_url("no-such-view")


class Page:
    """Stands for what a page's context holds: a request, a user, a patient's rows."""


def test_a_kept_failed_lookup_does_not_keep_the_page_that_asked_for_it():
    """Found in review: the exception was kept, and its traceback held the first admin page's
    whole context (every admin page asks for the admin docs' address, which is not installed)."""
    page = Page()
    alive = weakref.ref(page)
    template = engines["django"].from_string("{% url 'no-such-view' as there %}[{{ there }}]")
    assert template.render({"page": page}) == "[]"
    del page, template
    gc.collect()

    assert alive() is None
    with pytest.raises(NoReverseMatch, match="no-such-view"):
        engines["django"].from_string("{% url 'no-such-view' %}").render({})


@pytest.mark.django_db
def test_an_admin_pages_request_is_not_kept_after_its_response(receptionist_client):
    page = receptionist_client.get(reverse("admin:index"))
    assert page.status_code == 200
    request = weakref.ref(page.wsgi_request)
    del page
    gc.collect()

    assert request() is None
