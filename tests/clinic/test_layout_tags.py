"""The layout's footer and language switcher, built once or in Python (common/templatetags/
layout.py), are the markup the template rendered before, character for character."""

from __future__ import annotations

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import set_script_prefix
from django.utils import translation

from common.context_processors import clinic

# templates/base.html's language switcher before it moved into the tag.
SWITCHER = """{% load i18n %}{% get_current_language as LANGUAGE_CODE %}
          {% for alternate in language_alternates %}
            {% if alternate.code == LANGUAGE_CODE %}
              {% get_language_info for alternate.code as language %}<span class="lang-link current" aria-current="true" lang="{{ alternate.code }}" title="{{ language.name_local }}"><span aria-hidden="true">{{ alternate.code|upper }}</span><span class="visually-hidden">{{ language.name_local }}</span></span>
            {% else %}
              {% get_language_info for alternate.code as language %}<a class="lang-link" href="{{ alternate.url }}" hreflang="{{ alternate.code }}" lang="{{ alternate.code }}" title="{{ language.name_local }}"><span aria-hidden="true">{{ alternate.code|upper }}</span><span class="visually-hidden">{{ language.name_local }}</span></a>
            {% endif %}
          {% endfor %}"""  # noqa: E501

# templates/base.html's footer before it moved into templates/includes/site_footer.html.
FOOTER = """{% load i18n %}  <footer class="site-footer mt-5 py-4">
    <div class="container">
      <div class="row gy-3">
        <div class="col-md-5">
          <p class="fw-semibold mb-1">{{ clinic.name }}</p>
          <address class="mb-0">
            {{ clinic.address }}<br>
            <a href="tel:{{ clinic.phone|cut:' ' }}">{{ clinic.phone }}</a> ·
            <a href="mailto:{{ clinic.email }}">{{ clinic.email }}</a>
          </address>
        </div>
        <div class="col-md-7 small text-body-secondary">
          <p>{% translate "The information on this site is general education. It does not replace a consultation, and no treatment can promise a particular result." %}</p>
          <ul class="footer-links list-inline mb-0">
            <li class="list-inline-item"><a href="{{ layout_urls.contact }}">{% translate "Contact and opening hours" %}</a></li>
            <li class="list-inline-item"><a href="{{ layout_urls.impressum }}">{% translate "Legal notice (Impressum)" %}</a></li>
            <li class="list-inline-item"><a href="{{ layout_urls.privacy }}">{% translate "Privacy notice" %}</a></li>
          </ul>
        </div>
      </div>
    </div>
  </footer>
"""  # noqa: E501

# templates/base.html's head_links block before it moved into the tag.
HEAD_LINKS = """
  <link rel="canonical" href="{{ request.scheme }}://{{ request.get_host }}{{ request.path }}">
  {% for alternate in language_alternates %}
  <link rel="alternate" hreflang="{{ alternate.code }}" href="{{ request.scheme }}://{{ request.get_host }}{{ alternate.url }}">
  {% endfor %}
  <link rel="alternate" hreflang="x-default" href="{{ request.scheme }}://{{ request.get_host }}{{ x_default_url }}">
  """  # noqa: E501

PAGES = ["/en/treatments/", "/de/learn/", "/en/treatments/?q=<b>%22&'x", "/en/no/such/page/"]


def render(source: str, path: str):
    request = RequestFactory().get(path)
    context = clinic(request)
    return engines["django"].from_string(source).render(context, request)


@pytest.mark.parametrize("language", ["en", "de", "tr"])
@pytest.mark.parametrize("path", PAGES)
def test_the_switcher_is_the_templates_markup(language, path):
    with translation.override(language):
        expected = render(SWITCHER, path)
        built = render(
            "{% load i18n layout %}{% get_current_language as LANGUAGE_CODE %}\n"
            "          {% language_switcher %}",
            path,
        )

    assert built == expected
    assert built.count("lang-link") == 3


@pytest.mark.parametrize("language", ["en", "de", "tr"])
def test_the_footer_is_the_templates_markup(language):
    with translation.override(language):
        expected = render(FOOTER, "/")
        built = render("{% load layout %}{% site_footer %}", "/")

    assert built == expected
    assert "Impressum" in built


def test_the_footer_follows_the_script_prefix_and_the_clinics_settings(settings):
    set_script_prefix("/clinic/")
    try:
        with translation.override("en"):
            built = render("{% load layout %}{% site_footer %}", "/")
    finally:
        set_script_prefix("/")
    assert 'href="/clinic/en/' in built

    settings.CLINIC_PHONE = "+49 30 999 000"
    with translation.override("en"):
        assert "+49 30 999 000" in render("{% load layout %}{% site_footer %}", "/")


@pytest.mark.parametrize("language", ["en", "de", "tr"])
@pytest.mark.parametrize("path", PAGES)
def test_the_head_links_are_the_templates_markup(language, path):
    with translation.override(language):
        html = render("{% load layout %}{% head_links %}", path)
        assert html == render(HEAD_LINKS, path)
    assert html.count('rel="alternate"') == 4 and 'href="http://testserver/' in html


def test_the_head_links_without_a_request_are_the_templates_markup():
    context = {"language_alternates": [{"code": "en", "url": "/en/<x>/"}], "x_default_url": "/"}
    template = engines["django"].from_string
    assert template("{% load layout %}{% head_links %}").render(context) == template(
        HEAD_LINKS
    ).render(context)
