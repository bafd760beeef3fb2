"""The reception calendar's grid markup (the time labels and each column), built in Python.

Used by `templates/admin/bookings/calendar/grid.html`. The column was a template included once
per column whose loop ran over every 15-minute cell (columns × rows: 120 cells on an ordinary
day, 800 on the week of everyone), each cell resolving a dozen variables through three `date`
filters, a `time` filter, a `blocktranslate` and four `if`s: about two thirds of the page's
CPU. The strings that depend only on the row (its epoch seconds, its local day and clock time)
are the same in every column of a day, so they are worked out once per start, not per cell.
The markup is the old template's, byte for byte (tests/bookings/test_calendar_grid_markup.py
renders both on the same grids).
"""

from __future__ import annotations

import html
from datetime import datetime, time
from typing import TYPE_CHECKING
from urllib.parse import quote

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

if TYPE_CHECKING:
    from bookings.reception.calendar import Block, Cell, Column

register = template.Library()

# The visit states a receptionist may drag to another time (the template's `if`).
_MOVABLE = ("booked", "awaiting_review")


def escape(value: object) -> str:
    """django.utils.html.escape without its lazy-string wrapper: the same five characters."""
    return html.escape(str(value))


def _hh_mm(moment: datetime | time) -> str:
    """`|time:"H:i"`."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _rows(context: template.Context, cells: list[Cell]) -> list[tuple[str, str, str, str, bool]]:
    """Each cell's start as the old template wrote it: `|date:'U'`, `|date:'Y-m-d'`,
    `|time:"H:i"` (after `template_localtime`: the filters convert an aware datetime to the
    current time zone first) and the " hour" class (the template read the minute of the start
    itself, not of its local time); and whether the start is after the context's `now`.

    Kept for the whole page in the render context: every column of a day shares its starts (the
    same objects, see calendar_load), so they are found by identity, which costs far less than
    hashing an aware datetime (its UTC offset is looked up). An entry holds its start, so an id
    is never taken for another object's.
    """
    cache = context.render_context.setdefault(_rows, {})
    # template_localtime's conversion, with the current zone looked up once per column.
    use_tz = settings.USE_TZ if context.use_tz is None else context.use_tz
    zone = timezone.get_current_timezone() if use_tz else None
    now = context.get("now")
    rows = []
    for cell in cells:
        start = cell.start
        entry = cache.get(id(start))
        if entry is None or entry[0] is not start:
            local = start.astimezone(zone) if zone is not None and start.tzinfo else start
            entry = cache[id(start)] = (
                start,
                str(int(local.timestamp())),
                f"{local.year:04d}-{local.month:02d}-{local.day:02d}",
                _hh_mm(local),
                " hour" if start.minute == 0 else "",
                # The template's `{% if %}` read a missing `now` as false.
                now is not None and start > now,
            )
        rows.append(entry[1:])
    return rows


# A stand-in id: each visit's URL is the page's one reversal with the visit's id put in its place.
_STAND_IN_ID = 2_147_483_647


def _url_with_id(context: template.Context, name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for an `<int:pk>` URL, reversed once per page (the render
    context) rather than once per visit: two per visit were a tenth of a busy day's grid."""
    cache = context.render_context.setdefault(_url_with_id, {})
    parts = cache.get(name)
    if parts is None:
        url = reverse(name, args=[_STAND_IN_ID], current_app=_current_app(context))
        parts = cache[name] = url.split(str(_STAND_IN_ID))
    if len(parts) != 2:  # the stand-in is not exactly once in the URL: reverse as usual
        return reverse(name, args=[pk], current_app=_current_app(context))
    return f"{parts[0]}{pk}{parts[1]}"


def _current_app(context: template.Context) -> str | None:
    """The namespace `{% url %}` reverses in."""
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


@register.simple_tag(takes_context=True)
def calendar_times(context: template.Context, times: list[time]) -> SafeString:
    """The row labels: an hour's label on its first row, nothing on the quarters."""
    cache = context.render_context.setdefault(calendar_times, {})
    key = tuple(times)
    if key not in cache:
        spans = "".join(
            f'<span class="row-{row}">{_hh_mm(row_time) if row_time.minute == 0 else ""}</span>'
            for row, row_time in enumerate(times)
        )
        cache[key] = (
            '<div class="cal-times" aria-hidden="true"><span class="cal-col-head"></span>'
            f"{spans}</div>"
        )
    # Only numbers and the markup above.
    return mark_safe(cache[key])


@register.simple_tag(takes_context=True)
def calendar_column(context: template.Context, column: Column) -> SafeString:
    """One clinician's or device's column of one day: its cells, its visits and the now line.

    A free cell is a link to a phone booking when the receptionist may book, the column is a
    clinician's and the cell has not started yet; every other cell is a plain span that the
    drag script reads (`data-open`).
    """
    can_book = context.get("can_book")
    clinician_id = column.clinician_id
    title = conditional_escape(column.title)
    head = escape(date_format(column.day, "D j M")) if context.get("week_columns") else title
    clinician = f' data-clinician="{clinician_id}"' if clinician_id else ""
    parts = [
        f'    <div class="cal-col{" cal-device" if column.device_id else ""}"'
        f' data-column="{escape(column.key)}"{clinician}'
        f' role="group" aria-label="{title}, {escape(date_format(column.day, "l j F"))}">\n'
        f'      <div class="cal-col-head">{head}</div>\n      '
    ]
    bookable = bool(can_book and clinician_id)
    if bookable:
        book_url = escape(context.get("book_url", ""))
        # The template's `{% blocktranslate trimmed %}`: its msgid, its variables escaped.
        book_text = gettext("Book %(time)s with %(who)s")
    for row, (cell, (epoch, day, clock, hour, future)) in enumerate(
        zip(column.cells, _rows(context, column.cells), strict=True)
    ):
        if bookable and cell.free and future:
            # The clock needs no escaping: digits and a colon.
            label = book_text % {"time": clock, "who": title}
            parts.append(
                f'<a class="cal-cell free row-{row}{hour}" draggable="false"'
                f' href="{book_url}?clinician={clinician_id}&amp;start={epoch}"'
                f' data-start="{epoch}" data-day="{day}">'
                f'<span class="visually-hidden">{label}</span></a>'
            )
        else:
            state = " off" if cell.off else "" if cell.open else " closed"
            open_ = ' data-open="1"' if cell.open else ""
            parts.append(
                f'<span class="cal-cell row-{row}{hour}{state}" data-start="{epoch}"'
                f' data-day="{day}"{open_}></span>'
            )
    parts.append("\n      ")
    if column.blocks:
        parts.extend(_block(context, column, block) for block in column.blocks)
    parts.append("\n      ")
    now_row = context.get("now_row")
    if now_row is not None and column.day == context.get("today"):
        quarter = context.get("now_quarter")
        parts.append(
            f'<div class="cal-now row-{now_row}{f" now-q{quarter}" if quarter else ""}"'
            ' aria-hidden="true"></div>'
        )
    parts.append("\n    </div>\n")
    # Every value above is escaped, a number, or a translation of the project's own msgid.
    return mark_safe("".join(parts))


def _block(context: template.Context, column: Column, block: Block) -> str:
    """One visit: its time and patient (a link to its panel), state, phone, treatment, and the
    clinician on a device's column or the device on a clinician's."""
    visit = block.appointment
    plan = visit.plan
    patient = plan.patient
    panel = _url_with_id(context, "admin:bookings_appointment_panel", visit.pk)
    here = conditional_escape(quote(context.get("here", "")))
    if context.get("can_change") and block.state in _MOVABLE:
        move = _url_with_id(context, "admin:bookings_appointment_reschedule", visit.pk)
        drag = (
            f' draggable="true" data-move-url="{escape(move)}"'
            f' data-clinician="{visit.clinician_id}"'
        )
    else:
        drag = ""
    state_label = conditional_escape(block.state_label)
    # `{% translate %}` does not escape the translation (the project's own text).
    late_flag = f' · <span class="cal-late-flag">{gettext("Late")}</span>' if block.late else ""
    phone = f"<span>{conditional_escape(patient.phone)}</span>" if patient.phone else ""
    # `{{ plan.protocol.name }}` is empty for a consultation without a treatment.
    protocol = conditional_escape(plan.protocol.name) if plan.protocol is not None else ""
    if column.device_id:
        resource = f"<span>{conditional_escape(visit.clinician)}</span>"
    elif visit.device:
        resource = f"<span>{conditional_escape(visit.device)}</span>"
    else:
        resource = ""
    start = template_localtime(block.local_start, use_tz=context.use_tz)
    end = template_localtime(block.local_end, use_tz=context.use_tz)
    return (
        f'\n      <article class="cal-block state-{escape(block.state)} row-{block.row}'
        f' span-{block.rows}{" late" if block.late else ""}"{drag} data-visit="{visit.pk}">\n'
        f'        <a href="{escape(panel)}?next={here}">{_hh_mm(start)}'
        f"–{_hh_mm(end)} {conditional_escape(patient.full_name)}</a>\n"
        f'        <span class="cal-state">{state_label}{late_flag}</span>\n'
        f"        {phone}\n"
        f"        <span>{protocol} · {conditional_escape(block.title)}</span>\n"
        f"        {resource}\n"
        "      </article>\n      "
    )
