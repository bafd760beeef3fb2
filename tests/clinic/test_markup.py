"""common/markup.py escapes as Django does, without Django's lazy-string wrapper."""

from __future__ import annotations

import pytest
from django.utils import html, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from common import markup

VALUES = [
    'Zoë <b>"Bold"</b> & Co\'s',
    "",
    0,
    None,
    12.5,
    mark_safe("<em>already markup</em>"),
    gettext_lazy("Booked"),
    mark_safe(gettext_lazy("Booked")),
]


@pytest.mark.parametrize("value", VALUES)
def test_the_same_text_as_djangos_escaping(value):
    with translation.override("de"):
        assert markup.conditional_escape(value) == html.conditional_escape(value)
        if not hasattr(value, "__html__"):
            assert markup.escape(value) == html.escape(value)


@pytest.mark.parametrize("token", ["a1B2c3", "NOTPROVIDED", "", None])
def test_the_token_field_is_djangos(token):
    from django.template import Context, engines

    context = Context({"csrf_token": token})
    expected = engines["django"].from_string("{% csrf_token %}").template.render(context)
    assert markup.csrf_input(context) == expected


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kolkata"])
def test_times_are_converted_as_the_date_filters_do(zone):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    with timezone.override(ZoneInfo(zone)):
        current = markup.current_zone()
        for moment in (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 2, 30)):
            assert markup.local(moment, current) == timezone.template_localtime(moment)
            assert markup.local(moment, markup.current_zone(False)) is moment
