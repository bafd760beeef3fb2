"""What the template engine does for markup built in Python, done the same way and cheaper.

Escaping: `django.utils.html.escape` is wrapped by `keep_lazy`, which looks at every argument
for a lazy string on each call, about as long as the escaping itself, and the tags that build
pages in Python (the calendar, the dashboard's rows, the booking flow, the layout) escape dozens
of values per page (issue 22). Also the date filters' conversion to the current time zone and
`{% csrf_token %}`. The output is the same text as Django's (tests/clinic/test_markup.py).
"""

from __future__ import annotations

import html
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.utils import timezone
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


def current_zone(use_tz: bool | None = None) -> tzinfo | None:
    """The zone `template_localtime` converts aware datetimes to (a context's `use_tz`, or the
    setting), looked up once for many values; None when it converts nothing."""
    if use_tz is None:
        use_tz = settings.USE_TZ
    return timezone.get_current_timezone() if use_tz else None


def local(moment: datetime, zone: tzinfo | None) -> datetime:
    """`template_localtime(moment)` with the zone from `current_zone`: a naive time as it is."""
    if zone is None or moment.utcoffset() is None:
        return moment
    return moment.astimezone(zone)


def csrf_input(context: Any) -> str:
    """`{% csrf_token %}`: the form's hidden token field, or nothing when the page has none."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{conditional_escape(token)}">'
