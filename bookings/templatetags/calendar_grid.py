"""The reception calendar's page under the admin's layout, built in Python: the controls, the
strip of who waits and who is late, the grid's sections, the time labels and each column.

Used by `templates/admin/bookings/calendar/grid.html`. The column was a template included once
per column whose loop ran over every 15-minute cell (columns × rows: 120 cells on an ordinary
day, 800 on the week of everyone), each cell resolving a dozen variables through three `date`
filters, a `time` filter, a `blocktranslate` and four `if`s: about two thirds of the page's
CPU. The strings that depend only on the row (its epoch seconds, its local day and clock time,
its plain cells' markup) are the same in every column of a day, so they are worked out once per
row, not per cell. The rest of the page followed (issue 22, fifth round): its loops, `if`s and
translations cost as much as the cells. The markup is the old templates', byte for byte
(tests/bookings/test_calendar_grid_markup.py and test_calendar.py render both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import TYPE_CHECKING
from urllib.parse import quote

from django import template
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from common.markup import conditional_escape, csrf_input, current_zone, escape, local
from common.templatetags.kept_urls import current_app_of, id_url, reverse_kept

if TYPE_CHECKING:
    from bookings.reception.calendar import Block, CalendarView, Cell, Column

register = template.Library()

# The visit states a receptionist may drag to another time (the template's `if`).
_MOVABLE = ("booked", "awaiting_review")


def _hh_mm(moment: datetime | time) -> str:
    """`|time:"H:i"`."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


@dataclass(slots=True)
class _Row:
    """A cell's start as the old template wrote it: `|date:'U'`, `|date:'Y-m-d'`,
    `|time:"H:i"` (after `template_localtime`: the filters convert an aware datetime to the
    current time zone first) and the " hour" class (the template read the minute of the start
    itself, not of its local time); whether the start is after the context's `now`; and the
    markup of its plain (not bookable) cells, by (open, off), made when first needed."""

    start: datetime
    row: int
    epoch: str
    day: str
    clock: str
    hour: str
    future: bool
    spans: dict[tuple[bool, bool], str]

    def span(self, cell: Cell) -> str:
        key = (cell.open, cell.off)
        markup = self.spans.get(key)
        if markup is None:
            state = " off" if cell.off else "" if cell.open else " closed"
            open_ = ' data-open="1"' if cell.open else ""
            markup = self.spans[key] = (
                f'<span class="cal-cell row-{self.row}{self.hour}{state}"'
                f' data-start="{self.epoch}" data-day="{self.day}"{open_}></span>'
            )
        return markup


def _rows(context: template.Context, cells: list[Cell]) -> list[_Row]:
    """Each cell's row, kept for the whole page in the render context: every column of a day
    shares its starts (the same objects in the same order, see calendar_load), so a row is found
    by its start's identity, which costs far less than hashing an aware datetime (its UTC offset
    is looked up), and its plain cells are marked up once for all the day's columns. A row holds
    its start, so an id is never taken for another object's."""
    cache = context.render_context.setdefault(_rows, {})
    zone = current_zone(context.use_tz)
    now = context.get("now")
    rows = []
    for row, cell in enumerate(cells):
        start = cell.start
        line = cache.get(id(start))
        if line is None or line.start is not start or line.row != row:
            moment = local(start, zone)
            line = cache[id(start)] = _Row(
                start=start,
                row=row,
                epoch=str(int(moment.timestamp())),
                day=f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}",
                clock=_hh_mm(moment),
                hour=" hour" if start.minute == 0 else "",
                # The template's `{% if %}` read a missing `now` as false.
                future=now is not None and start > now,
                spans={},
            )
        rows.append(line)
    return rows


@dataclass(slots=True)
class _Shared:
    """What every visit block of a column shares, worked out once per column."""

    panel: Callable[[int], str]  # a visit's panel
    move: Callable[[int], str] | None  # its move page, when the receptionist may move visits
    here: str  # `{{ here|urlencode }}`: the page, for the panel's way back
    zone: tzinfo | None  # the current time zone `|time` converts to (None: no conversion)

    @classmethod
    def of(cls, context: template.Context) -> _Shared:
        return cls(
            panel=id_url("admin:bookings_appointment_panel", current_app_of(context)),
            move=id_url("admin:bookings_appointment_reschedule", current_app_of(context))
            if context.get("can_change")
            else None,
            here=conditional_escape(quote(context.get("here", ""))),
            zone=current_zone(context.use_tz),
        )


def _day_label(context: template.Context, day: date, format_: str) -> str:
    """`{{ day|date:format_ }}`, escaped, once per page, day, format and language: the columns of
    a day share it."""
    cache = context.render_context.setdefault(_day_label, {})
    key = (day, format_, get_language())
    label = cache.get(key)
    if label is None:
        label = cache[key] = escape(date_format(day, format_))
    return label


@register.simple_tag(takes_context=True)
def calendar_controls(context: template.Context) -> SafeString:
    """The bar above the grid: the day or week before and after, today, day or week, a date to go
    to, the print sheet, the list view and the phone bookings. It was a template block of
    fourteen `{% translate %}`s and as many variables: a fifth of the page's rendering. The markup
    is the block's, byte for byte (tests/bookings/test_calendar_grid_markup.py)."""
    view = context.get("view")
    week = view == "week"
    day = escape(date_format(context.get("day"), "Y-m-d")) if context.get("day") else ""
    app = current_app_of(context)
    print_url = escape(reverse_kept("admin:bookings_appointment_print", app))
    list_url = escape(reverse_kept("admin:bookings_agendaday_changelist", app))
    current = ' class="current" aria-current="page"'
    previous = gettext("Previous week") if week else gettext("Previous day")
    next_ = gettext("Next week") if week else gettext("Next day")
    parts = [
        f'<nav class="cal-controls" aria-label="{gettext("Choose the day or week")}">\n',
        f'  <a href="{_value(context, "previous_url")}" rel="prev">‹ {previous}</a>\n',
        f'  <a href="{_value(context, "today_url")}">{gettext("Today")}</a>\n',
        f'  <a href="{_value(context, "next_url")}" rel="next">{next_} ›</a>\n',
        f'  <a href="{_value(context, "day_url")}"{current if view == "day" else ""}>',
        f"{gettext('Day')}</a>\n",
        f'  <a href="{_value(context, "week_url")}"{current if week else ""}>',
        f"{gettext('Week')}</a>\n",
        '  <form method="get" action="">\n',
        f'    <input type="hidden" name="view" value="{_value(context, "view")}">\n',
        f'    <label for="cal-day">{gettext("Go to")}</label>\n',
        f'    <input type="date" id="cal-day" name="day" value="{day}">\n',
        f'    <button type="submit" class="button">{gettext("Show")}</button>\n',
        "  </form>\n",
        f'  <a href="{print_url}?day={day}">{gettext("Print the day")}</a>\n',
        f'  <a href="{list_url}?day={day}">{gettext("List view")}</a>\n',
    ]
    if context.get("can_book"):
        phone_url = escape(reverse_kept("admin:bookings_consultation_phone", app))
        parts += [
            f'  <a class="addlink" href="{_value(context, "book_url")}">',
            f"{gettext('Book by phone')}</a>\n",
            f'  <a class="addlink" href="{phone_url}">',
            f"{gettext('Book a consultation by phone')}</a>\n",
        ]
    else:  # the two `{% if %}` lines, empty
        parts.append("  \n  \n")
    parts.append("</nav>")
    # Every value above is escaped, or a translation of the project's own msgid.
    return mark_safe("".join(parts))


@register.simple_tag(takes_context=True)
def calendar_body(context: template.Context) -> SafeString:
    """Everything under the controls: the closed day's note, the strip of who is waiting and who
    is late, the drag script's message, form and help, the week's switcher and the grid (a week
    of one column, or a section per day). Built in Python like the columns: the template's loops,
    `if`s and translations cost as much as the grid's own cells. The markup is the template's,
    byte for byte (tests/bookings/test_calendar_grid_markup.py)."""
    grid = context.get("grid")
    parts = [_closed_note(context), "\n"]
    if grid.waiting or grid.late:
        parts += ["\n", _strip(context, grid), "\n"]
    parts += [
        "\n",
        '<div class="cal-message" id="cal-message" role="alert" aria-live="assertive"'
        f' data-taken="{gettext("That time is taken: drop the visit on a free time.")}"'
        f' data-closed="{gettext("Nobody works at that time: drop the visit on a free time.")}">'
        "</div>\n",
        f'<form id="cal-move-form" method="post" action="">{csrf_input(context)}'
        '<input type="hidden" name="day" value=""><input type="hidden" name="visit" value="">'
        "</form>\n",
        '<p class="visually-hidden" id="cal-help">',
        gettext(
            "Each visit links to its panel (check in, move, cancel). Each free time links to a "
            "phone booking. With a mouse, a visit can be dragged to a free time; the move is "
            "confirmed on the next page."
        ),
        "</p>\n",
    ]
    if context.get("view") == "week":
        parts += ["\n", _week_switcher(context), "\n"]
    parts.append("\n")
    times = calendar_times(context, grid.times)
    rows = f"rows-{_value(context, 'row_count')}"
    week_columns = context.get("week_columns")
    if week_columns:
        parts += [
            '\n<section class="cal-scroll" aria-labelledby="cal-week-heading">\n'
            f'  <h2 class="cal-day-heading" id="cal-week-heading">{_value(context, "who_title")}'
            f'</h2>\n  <div class="cal-grid cal-week-grid {rows}">\n    {times}\n    ',
            _columns(context, week_columns),
            "\n  </div>\n</section>\n",
        ]
    else:
        parts.append("\n")
        for number, calendar_day in enumerate(grid.days, start=1):
            closed = "" if calendar_day.is_open else f" · {gettext('closed')}"
            parts.append(
                f'\n<section class="cal-scroll" aria-labelledby="cal-day-{number}">\n'
                f'  <h2 class="cal-day-heading" id="cal-day-{number}">'
                f"{_day_label(context, calendar_day.day, 'l, j F Y')}{closed}</h2>\n  "
            )
            if calendar_day.columns:
                parts += [
                    f'\n  <div class="cal-grid {rows}">\n    {times}\n    ',
                    _columns(context, calendar_day.columns),
                    "\n  </div>\n  ",
                ]
            else:
                parts.append(f"\n  <p>{gettext('Nobody works on this day.')}</p>\n  ")
            parts.append("\n</section>\n")
        parts.append("\n")
    parts.append("\n")
    # Every value above is escaped, a number, or a translation of the project's own msgid.
    return mark_safe("".join(parts))


def _columns(context: template.Context, columns: list[Column]) -> str:
    """`{% for column in columns %}\\n    {% calendar_column column %}\\n    {% endfor %}`"""
    return "".join(f"\n    {calendar_column(context, column)}\n    " for column in columns)


def _closed_note(context: template.Context) -> str:
    """On a closed day, a link to the next open one."""
    next_open_day = context.get("next_open_day")
    if not next_open_day:
        return ""
    # `{% blocktranslate %}`: the translation as it is, its variable escaped.
    next_open = gettext("Next open day: %(day)s") % {
        "day": _day_label(context, next_open_day, "l, j F Y")
    }
    return (
        f'<p class="cal-closed-note">{gettext("The clinic is closed on this day.")}'
        f' <a href="?view=day&amp;day={_day_label(context, next_open_day, "Y-m-d")}">'
        f"{next_open}</a></p>"
    )


def _strip(context: template.Context, grid: CalendarView) -> str:
    """Today: who has arrived and waits, and who is late, each a link to the visit's panel."""
    shared = _Shared.of(context)
    nobody = f"<li>{gettext('Nobody')}</li>"

    def link(block: Block) -> str:
        return f'<a href="{escape(shared.panel(block.appointment.pk))}?next={shared.here}">'

    def when_who(block: Block) -> str:
        patient = block.appointment.plan.patient
        start = _hh_mm(local(block.local_start, shared.zone))
        return f"{start} {conditional_escape(patient.full_name)}</a>"

    waiting = "".join(f"<li>{link(b)}{when_who(b)}</li>" for b in grid.waiting)
    late_flag = f'<span class="cal-late-flag">{gettext("Late")}</span> '
    late = "".join(
        f"<li>{link(b)}{late_flag}{when_who(b)}"
        f" · {conditional_escape(b.appointment.plan.patient.phone)}</li>"
        for b in grid.late
    )
    late_title = gettext("Late (not arrived %(minutes)s minutes after the start)") % {
        "minutes": _value(context, "late_minutes")
    }
    return (
        f'<section class="cal-strip" aria-label="{gettext("Waiting and late")}">\n'
        f"  <div><h2>{gettext('Waiting')}</h2>\n    <ul>{waiting or nobody}</ul></div>\n"
        f"  <div><h2>{late_title}</h2>\n    <ul>{late or nobody}</ul></div>\n</section>"
    )


def _week_switcher(context: template.Context) -> str:
    """The week's clinicians and devices, one of whom is shown, or everyone day by day."""
    day = _day_label(context, context.get("day"), "Y-m-d")
    who = context.get("who")
    current = ' class="current" aria-current="true"'
    links = "".join(
        f'<a href="?view=week&amp;day={day}&amp;who={escape(key)}"'
        f"{current if key == who else ''}>{conditional_escape(title)}</a>"
        for key, title in context.get("resources", [])
    )
    return (
        f'<nav class="cal-controls" aria-label="{gettext("Whose week")}">\n  {links}\n'
        f'  <a href="?view=week&amp;day={day}&amp;who=all"{current if who == "all" else ""}>'
        f"{gettext('Everyone, day by day')}</a>\n</nav>"
    )


def _value(context: template.Context, name: str) -> str:
    """`{{ name }}`: the context's value, escaped unless marked safe, "" when missing."""
    value = context.get(name)
    return "" if value is None else conditional_escape(value)


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
    head = _day_label(context, column.day, "D j M") if context.get("week_columns") else title
    clinician = f' data-clinician="{clinician_id}"' if clinician_id else ""
    parts = [
        f'    <div class="cal-col{" cal-device" if column.device_id else ""}"'
        f' data-column="{escape(column.key)}"{clinician}'
        f' role="group" aria-label="{title}, {_day_label(context, column.day, "l j F")}">\n'
        f'      <div class="cal-col-head">{head}</div>\n      '
    ]
    bookable = bool(can_book and clinician_id)
    if bookable:
        book_url = escape(context.get("book_url", ""))
        # The template's `{% blocktranslate trimmed %}`: its msgid, its variables escaped.
        book_text = gettext("Book %(time)s with %(who)s")
    for cell, line in zip(column.cells, _rows(context, column.cells), strict=True):
        if bookable and cell.free and line.future:
            # The clock needs no escaping: digits and a colon.
            label = book_text % {"time": line.clock, "who": title}
            parts.append(
                f'<a class="cal-cell free row-{line.row}{line.hour}" draggable="false"'
                f' href="{book_url}?clinician={clinician_id}&amp;start={line.epoch}"'
                f' data-start="{line.epoch}" data-day="{line.day}">'
                f'<span class="visually-hidden">{label}</span></a>'
            )
        else:
            parts.append(line.span(cell))
    parts.append("\n      ")
    if column.blocks:
        shared = _Shared.of(context)
        parts.extend(_block(shared, column, block) for block in column.blocks)
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


def _block(shared: _Shared, column: Column, block: Block) -> str:
    """One visit: its time and patient (a link to its panel), state, phone, treatment, and the
    clinician on a device's column or the device on a clinician's."""
    visit = block.appointment
    plan = visit.plan
    patient = plan.patient
    if shared.move is not None and block.state in _MOVABLE:
        drag = (
            f' draggable="true" data-move-url="{escape(shared.move(visit.pk))}"'
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
    start = local(block.local_start, shared.zone)
    end = local(block.local_end, shared.zone)
    return (
        f'\n      <article class="cal-block state-{escape(block.state)} row-{block.row}'
        f' span-{block.rows}{" late" if block.late else ""}"{drag} data-visit="{visit.pk}">\n'
        f'        <a href="{escape(shared.panel(visit.pk))}?next={shared.here}">{_hh_mm(start)}'
        f"–{_hh_mm(end)} {conditional_escape(patient.full_name)}</a>\n"
        f'        <span class="cal-state">{state_label}{late_flag}</span>\n'
        f"        {phone}\n"
        f"        <span>{protocol} · {conditional_escape(block.title)}</span>\n"
        f"        {resource}\n"
        "      </article>\n      "
    )
