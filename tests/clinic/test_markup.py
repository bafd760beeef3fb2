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
