"""Escaping for markup built in Python: Django's escaping, without its lazy-string wrapper.

`django.utils.html.escape` is wrapped by `keep_lazy`, which looks at every argument for a lazy
string on each call: about as long as the escaping itself. The tags that build pages in Python
(the calendar, the dashboard's rows, the booking flow, the layout) escape dozens of values per
page (issue 22). The output is the same text as Django's (tests/clinic/test_markup.py).
"""

from __future__ import annotations

import html

from django.utils.functional import Promise


def escape(value: object) -> str:
    """Django's `escape`: the value as text, with & < > " ' escaped."""
    return html.escape(str(value))


def conditional_escape(value: object) -> str:
    """Django's `conditional_escape`: markup marked safe as it is, anything else escaped."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
