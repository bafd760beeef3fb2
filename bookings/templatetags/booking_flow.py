"""The booking flow's step list and day picker, built in Python.

Every page of the flow shows the steps, and the pages that choose a time show three weeks of
days, each through three `date` filters: a fifth of a day's free times page in the template
engine (issue 22). The markup is the old includes', byte for byte
(tests/bookings/test_booking_flow_markup.py renders both).
"""

from __future__ import annotations

import html
from datetime import date

from django import template
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from bookings.online.booking_times import VisitTimes
from common.markup import conditional_escape
from treatments.models import Protocol

register = template.Library()

CURRENT_DAY = ' aria-current="date"'
STEPS = (
    gettext_noop("Health questions"),
    gettext_noop("Times"),
    gettext_noop("Your details"),
    gettext_noop("Consent and confirm"),
)


@register.simple_tag
def booking_steps(protocol: Protocol, step: int) -> SafeString:
    """Where the patient is in the four steps; the protocol's name links to its page."""
    items = []
    for number, name in enumerate(STEPS, start=1):
        state = " current" if step == number else " done" if step > number else ""
        current = ' aria-current="step"' if step == number else ""
        items.append(
            f'    <li class="step{state}"{current}><span class="step-number">{number}</span>'
            f" {gettext(name)}</li>\n"
        )
    # The steps' names are the project's own translations, not escaped (as `{% translate %}`).
    return mark_safe(
        f'\n<nav class="booking-steps mb-4" aria-label="{gettext("Booking steps")}">\n'
        f'  <p class="booking-protocol mb-2"><span class="text-body-secondary">'
        f'{gettext("Booking")}:</span> <a href="{conditional_escape(protocol.get_absolute_url())}">'
        f"{conditional_escape(protocol.name)}</a></p>\n"
        '  <ol class="list-unstyled d-flex flex-wrap gap-2 mb-0">\n'
        "    \n"
        f"{''.join(items)}"
        "  </ol>\n</nav>\n"
    )


@register.simple_tag
def day_picker(times: VisitTimes) -> SafeString:
    """The days a visit may take, as plain links (no script needed; the chosen day is
    aria-current), those without a free time greyed out."""
    names: dict[tuple[int, int], tuple[str, str]] = {}

    def name_and_date(day: date) -> tuple[str, str]:
        # `|date:"D"` and `|date:"j M"`, each name translated once per page.
        key = (day.weekday(), day.month)
        if key not in names:
            names[key] = (
                html.escape(str(WEEKDAYS_ABBR[day.weekday()])),
                html.escape(str(MONTHS_3[day.month]).title()),
            )
        weekday, month = names[key]
        return weekday, f"{day.day} {month}"

    no_free_time = gettext("no free time")
    items = []
    for choice in times.days:
        weekday, day = name_and_date(choice.day)
        labels = f'<span class="day-name">{weekday}</span> <span class="day-date">{day}</span>'
        if choice.free:
            chosen = choice.day == times.selected
            iso = f"{choice.day.year:04d}-{choice.day.month:02d}-{choice.day.day:02d}"
            items.append(
                f'\n      <a class="day{" selected" if chosen else ""}" href="?day={iso}"'
                f"{CURRENT_DAY if chosen else ''}>\n        {labels}\n      </a>\n      "
            )
        else:
            items.append(
                f'\n      <span class="day full">{labels}<span class="visually-hidden"> – '
                f"{no_free_time}</span></span>\n      "
            )
    rows = "".join(f"\n    <li>\n      {item}\n    </li>\n    " for item in items)
    # Day names from Django's catalogue, escaped; the rest digits or the project's own text.
    return mark_safe(
        '\n\n<nav class="day-picker" aria-labelledby="day-picker-title">\n'
        f'  <h2 class="h5" id="day-picker-title">{gettext("Choose a day")}</h2>\n'
        '  <p class="small text-body-secondary" id="day-picker-help">'
        + gettext(
            "Only days that keep the time your course needs between visits are shown. Days "
            "without a free time are greyed out."
        )
        + f'</p>\n  <ul class="list-unstyled day-grid">\n    {rows}\n  </ul>\n</nav>\n'
    )
