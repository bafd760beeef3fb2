"""The calendar grid's template tags give exactly the markup of the templates they replace.

`{% calendar_column %}` and `{% calendar_times %}` (bookings/templatetags/calendar_grid.py) build
in Python what `admin/bookings/calendar/_column.html` and the time-label loop of `grid.html` wrote
(the grid was two thirds of the calendar page's CPU). The old templates are kept here, verbatim,
and both are rendered on the same columns: every kind of cell, visit blocks in every state, names
with markup characters, three languages, another current time zone and both daylight-saving days.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import timezone, translation

from bookings.engine.rules import clinic_zone
from bookings.models import Appointment, Clinician, Device, Patient, Plan
from bookings.reception.calendar import Block, Cell, Column
from treatments.models import Protocol

# templates/admin/bookings/calendar/_column.html before the tag, as it was included per column.
OLD_COLUMN = """{% load i18n %}    <div class="cal-col{% if column.device_id %} cal-device{% endif %}" data-column="{{ column.key }}"{% if column.clinician_id %} data-clinician="{{ column.clinician_id }}"{% endif %} role="group" aria-label="{{ column.title }}, {{ column.day|date:'l j F' }}">
      <div class="cal-col-head">{% if week_columns %}{{ column.day|date:"D j M" }}{% else %}{{ column.title }}{% endif %}</div>
      {% for cell in column.cells %}{% if cell.free and can_book and column.clinician_id and cell.start > now %}<a class="cal-cell free row-{{ forloop.counter0 }}{% if cell.start.minute == 0 %} hour{% endif %}" draggable="false" href="{{ book_url }}?clinician={{ column.clinician_id }}&amp;start={{ cell.start|date:'U' }}" data-start="{{ cell.start|date:'U' }}" data-day="{{ cell.start|date:'Y-m-d' }}"><span class="visually-hidden">{% blocktranslate trimmed with time=cell.start|time:"H:i" who=column.title %}Book {{ time }} with {{ who }}{% endblocktranslate %}</span></a>{% else %}<span class="cal-cell row-{{ forloop.counter0 }}{% if cell.start.minute == 0 %} hour{% endif %}{% if cell.off %} off{% elif not cell.open %} closed{% endif %}" data-start="{{ cell.start|date:'U' }}" data-day="{{ cell.start|date:'Y-m-d' }}"{% if cell.open %} data-open="1"{% endif %}></span>{% endif %}{% endfor %}
      {% for block in column.blocks %}
      <article class="cal-block state-{{ block.state }} row-{{ block.row }} span-{{ block.rows }}{% if block.late %} late{% endif %}"{% if can_change and block.state == "booked" or can_change and block.state == "awaiting_review" %} draggable="true" data-move-url="{% url 'admin:bookings_appointment_reschedule' block.appointment.pk %}" data-clinician="{{ block.appointment.clinician_id }}"{% endif %} data-visit="{{ block.appointment.pk }}">
        <a href="{% url 'admin:bookings_appointment_panel' block.appointment.pk %}?next={{ here|urlencode }}">{{ block.local_start|time:"H:i" }}–{{ block.local_end|time:"H:i" }} {{ block.appointment.plan.patient.full_name }}</a>
        <span class="cal-state">{{ block.state_label }}{% if block.late %} · <span class="cal-late-flag">{% translate "Late" %}</span>{% endif %}</span>
        {% if block.appointment.plan.patient.phone %}<span>{{ block.appointment.plan.patient.phone }}</span>{% endif %}
        <span>{{ block.appointment.plan.protocol.name }} · {{ block.title }}</span>
        {% if column.device_id %}<span>{{ block.appointment.clinician }}</span>{% elif block.appointment.device %}<span>{{ block.appointment.device }}</span>{% endif %}
      </article>
      {% endfor %}
      {% if now_row is not None and column.day == today %}<div class="cal-now row-{{ now_row }}{% if now_quarter %} now-q{{ now_quarter }}{% endif %}" aria-hidden="true"></div>{% endif %}
    </div>
"""  # noqa: E501 (verbatim)

# The time labels of templates/admin/bookings/calendar/grid.html before the tag.
OLD_TIMES = (
    '<div class="cal-times" aria-hidden="true"><span class="cal-col-head"></span>{% for row_tim'
    'e in grid.times %}<span class="row-{{ forloop.counter0 }}">{% if row_time.minute == 0 %}{{'
    ' row_time|time:"H:i" }}{% endif %}</span>{% endfor %}</div>'
)

# The controls above the grid in templates/admin/bookings/calendar/grid.html before the tag.
OLD_CONTROLS = """{% load i18n %}<nav class="cal-controls" aria-label="{% translate 'Choose the day or week' %}">
  <a href="{{ previous_url }}" rel="prev">‹ {% if view == "week" %}{% translate "Previous week" %}{% else %}{% translate "Previous day" %}{% endif %}</a>
  <a href="{{ today_url }}">{% translate "Today" %}</a>
  <a href="{{ next_url }}" rel="next">{% if view == "week" %}{% translate "Next week" %}{% else %}{% translate "Next day" %}{% endif %} ›</a>
  <a href="{{ day_url }}"{% if view == "day" %} class="current" aria-current="page"{% endif %}>{% translate "Day" %}</a>
  <a href="{{ week_url }}"{% if view == "week" %} class="current" aria-current="page"{% endif %}>{% translate "Week" %}</a>
  <form method="get" action="">
    <input type="hidden" name="view" value="{{ view }}">
    <label for="cal-day">{% translate "Go to" %}</label>
    <input type="date" id="cal-day" name="day" value="{{ day|date:'Y-m-d' }}">
    <button type="submit" class="button">{% translate "Show" %}</button>
  </form>
  <a href="{% url 'admin:bookings_appointment_print' %}?day={{ day|date:'Y-m-d' }}">{% translate "Print the day" %}</a>
  <a href="{% url 'admin:bookings_agendaday_changelist' %}?day={{ day|date:'Y-m-d' }}">{% translate "List view" %}</a>
  {% if can_book %}<a class="addlink" href="{{ book_url }}">{% translate "Book by phone" %}</a>{% endif %}
  {% if can_book %}<a class="addlink" href="{% url 'admin:bookings_consultation_phone' %}">{% translate "Book a consultation by phone" %}</a>{% endif %}
</nav>"""  # noqa: E501 (verbatim)

NEW_COLUMN = "{% load calendar_grid %}{% calendar_column column %}"
NEW_CONTROLS = "{% load calendar_grid %}{% calendar_controls %}"
NEW_TIMES = "{% load calendar_grid %}{% calendar_times grid.times %}"

ZONE = clinic_zone()
MONDAY = date(2027, 3, 8)
SPRING = date(2027, 3, 28)  # 02:00 CET becomes 03:00 CEST: 02:00-02:59 does not exist
AUTUMN = date(2027, 10, 31)  # 03:00 CEST becomes 02:00 CET: 02:00-02:59 happens twice
AWKWARD = 'Dr. <Ada> & "Bob"'


def render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


def assert_same(context: dict) -> str:
    new = render(NEW_COLUMN, context)
    assert new == render(OLD_COLUMN, context)
    return new


def at(day: date, hhmm: str, *, fold: int = 0) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=ZONE).replace(fold=fold)


def every_kind_of_cell(day: date) -> list[Cell]:
    """Hour and quarter rows: free, open but taken, closed, time off; early, late and midnight
    (another current time zone puts those on another day)."""
    return [
        Cell(at(day, "00:00"), open=True, off=False, free=True),
        Cell(at(day, "08:45"), open=False, off=False),
        Cell(at(day, "09:00"), open=True, off=False, free=True),
        Cell(at(day, "09:15"), open=True, off=False, free=True),
        Cell(at(day, "10:00"), open=True, off=False, free=False),
        Cell(at(day, "10:15"), open=True, off=False, free=False),
        Cell(at(day, "12:00"), open=False, off=True),
        Cell(at(day, "12:30"), open=False, off=True),
        Cell(at(day, "13:00"), open=True, off=False, free=True),
        Cell(at(day, "16:45"), open=True, off=False, free=True),
        Cell(at(day, "17:00"), open=False, off=False),
        Cell(at(day, "23:45"), open=True, off=False, free=True),
    ]


def visit(pk: int, *, name: str = AWKWARD, phone: str = "", protocol: bool = True, device=None):
    """An unsaved visit with its relations in memory (the templates read them, never the DB)."""
    plan = Plan(
        pk=pk,
        patient=Patient(pk=pk, full_name=name, phone=phone),
        protocol=Protocol(pk=pk, name="Skin <renewal> & more") if protocol else None,
    )
    return Appointment(
        pk=pk,
        plan=plan,
        clinician=Clinician(pk=40 + pk, display_name=AWKWARD),
        device=device,
        start=at(MONDAY, "10:00"),
        end=at(MONDAY, "11:00"),
    )


def blocks() -> list[Block]:
    laser = Device(pk=3, name='Laser <A> & "B"')
    kinds = [
        # state, its label, late, phone, protocol, device
        ("booked", "Booked", False, "+49 170 <5550101>", True, None),
        ("awaiting_review", "Awaiting review", True, "", True, laser),
        ("held", "Held (being booked)", False, "", False, None),
        ("checked_in", "Arrived & waiting", True, "+90 532", True, laser),
        ("offered", 'Offered <"waitlist">', False, "", True, None),
    ]
    return [
        Block(
            appointment=visit(pk, phone=phone, protocol=protocol, device=device),
            row=pk * 2,
            rows=pk,
            local_start=at(MONDAY, "10:00") + timedelta(minutes=15 * pk),
            local_end=at(MONDAY, "11:00") + timedelta(minutes=15 * pk),
            title=f"Session {pk} of <3> & more",
            state=state,
            state_label=label,
            late=late,
        )
        for pk, (state, label, late, phone, protocol, device) in enumerate(kinds, start=1)
    ]


def context(column: Column, **extra) -> dict:
    return {
        "column": column,
        "can_book": True,
        "can_change": True,
        "now": at(column.day, "09:10"),
        "book_url": "/admin/bookings/appointment/book/",
        "here": "/admin/bookings/appointment/calendar/?view=day&day=2027-03-08&who=c-1",
        "week_columns": [],
        "now_row": None,
        "now_quarter": 0,
        "today": column.day,
        **extra,
    }


def clinician_column(day: date = MONDAY, title: str = AWKWARD) -> Column:
    return Column("c-7", title, day, clinician_id=7, cells=every_kind_of_cell(day), blocks=blocks())


def device_column(day: date = MONDAY) -> Column:
    return Column("d-3", 'Laser <A> & "B"', day, device_id=3, cells=every_kind_of_cell(day))


@pytest.mark.parametrize("language", ["en", "de", "tr"])
def test_a_clinicians_column_is_marked_up_as_the_template_did(language):
    with translation.override(language):
        html = assert_same(context(clinician_column()))
        assert_same(context(clinician_column(), can_book=False, can_change=False))
        assert_same(context(clinician_column(), now_row=3, now_quarter=2))
        assert_same(context(clinician_column(), now_row=0, now_quarter=0))
        assert_same(context(clinician_column(), now_row=3, today=MONDAY + timedelta(days=1)))

    # What the comparison covers: free cells after 09:10 link to a booking, with the escaped name
    # (09:15, 13:00, 16:45 and 23:45; 00:00 and 09:00 have started).
    assert html.count('class="cal-cell free') == 4
    assert html.count(" off") == 2 and html.count(" closed") == 2
    assert "Dr. &lt;Ada&gt; &amp; &quot;Bob&quot;" in html
    assert "<Ada>" not in html


def test_the_book_link_text_is_translated_with_the_variables_escaped():
    with translation.override("de"):
        html = assert_same(context(clinician_column()))
    assert "09:15 bei Dr. &lt;Ada&gt; &amp; &quot;Bob&quot; buchen" in html
    with translation.override("tr"):
        html = assert_same(context(clinician_column()))
    assert "09:15 – Dr. &lt;Ada&gt; &amp; &quot;Bob&quot; için rezervasyon yap" in html


def test_past_free_cells_are_not_links():
    column = clinician_column()
    html = assert_same(context(column, now=at(MONDAY, "23:50")))
    assert 'class="cal-cell free' not in html
    assert html.count('data-open="1"') == 8  # open, past or taken: still a drop target


def test_a_devices_column_has_no_booking_links_and_names_the_clinician():
    column = device_column()
    column.blocks = blocks()
    for language in ("en", "de", "tr"):
        with translation.override(language):
            html = assert_same(context(column))
    assert " cal-device" in html and 'class="cal-cell free' not in html
    assert "<span>Dr. &lt;Ada&gt; &amp; &quot;Bob&quot;</span>" in html


def test_the_week_of_one_column_shows_the_day_in_the_head():
    placeholder = Column("c-7", AWKWARD, MONDAY, cells=every_kind_of_cell(MONDAY))
    for column in (clinician_column(), device_column(), placeholder):
        for language in ("en", "de", "tr"):
            with translation.override(language):
                assert_same(context(column, week_columns=[column]))


@pytest.mark.parametrize(
    ("zone", "other_day"),
    # Midnight in Berlin is the day before in the west; 23:45 is the next day in the east.
    [("UTC", "2027-03-07"), ("America/New_York", "2027-03-07"), ("Asia/Kolkata", "2027-03-09")],
)
def test_another_current_time_zone_converts_as_the_filters_did(zone, other_day):
    """`|date` and `|time` convert to the current time zone (the clinic's, unless activated)."""
    with timezone.override(ZoneInfo(zone)):
        html = assert_same(context(clinician_column()))
    assert f'data-day="{other_day}"' in html


@pytest.mark.parametrize("day", [SPRING, AUTUMN])
def test_the_days_the_clocks_change(day):
    """Every quarter of the night: on the spring day 02:xx does not exist (the filters show it
    as 03:xx), on the autumn day it happens twice (both passes, which compare equal)."""
    cells = [
        Cell(at(day, f"{hour:02d}:{minute:02d}", fold=fold), open=True, off=False, free=True)
        for hour in range(1, 4)
        for minute in (0, 15, 30, 45)
        for fold in (0, 1)
    ]
    column = Column("c-7", AWKWARD, day, clinician_id=7, cells=cells)
    for language in ("en", "de", "tr"):
        with translation.override(language):
            html = assert_same(context(column, now=at(day, "00:00")))
            assert_same(context(column, now=at(day, "02:30", fold=1)))
    with timezone.override(ZoneInfo("UTC")):
        assert_same(context(column, now=at(day, "00:00")))
    assert html.count('class="cal-cell free') == len(cells)


def test_a_consultation_without_a_treatment_and_a_plain_name():
    column = clinician_column(title="Dr. Anna Weber")
    column.blocks = [
        Block(
            appointment=visit(9, name="Maria Schneider", protocol=False),
            row=0,
            rows=1,
            local_start=at(MONDAY, "09:00"),
            local_end=at(MONDAY, "09:30"),
            title="Consultation",
            state="booked",
            state_label="Booked",
            late=False,
        )
    ]
    html = assert_same(context(column))
    assert "<span> · Consultation</span>" in html


@pytest.mark.parametrize("language", ["en", "de", "tr"])
def test_the_time_labels_are_marked_up_as_the_template_did(language):
    times = [time(hour, minute) for hour in (0, 8, 9, 23) for minute in (0, 15, 30, 45)]
    with translation.override(language):
        for rows in (times, times[4:9], []):
            grid = {"grid": {"times": rows}}
            new = render(NEW_TIMES, grid)
            assert new == render(OLD_TIMES, grid)
    assert '<span class="row-0">00:00</span><span class="row-1"></span>' in render(
        NEW_TIMES, {"grid": {"times": times}}
    )


def test_the_same_instant_in_another_zone_keeps_its_own_minute_for_the_hour_class():
    """The row strings are shared by instant; the `hour` class reads the start's own minute."""
    berlin = at(MONDAY, "10:00")
    kolkata = berlin.astimezone(ZoneInfo("Asia/Kolkata"))  # 14:30 there, the same instant
    cells = [Cell(moment, open=True, off=False, free=True) for moment in (berlin, kolkata)]
    html = assert_same(context(Column("c-7", AWKWARD, MONDAY, clinician_id=7, cells=cells)))
    assert 'free row-0 hour"' in html and 'free row-1"' in html


def test_the_columns_of_a_day_share_their_starts_and_each_keeps_its_own_cells():
    """calendar_load gives every column of a day the same start objects; the tag works out a
    start's strings once per page and finds them again by identity, and a column of other
    objects equal to them, or of the same objects in another order, is still right."""
    cells = every_kind_of_cell(MONDAY)
    shared = [Cell(cell.start, open=not cell.open, off=False, free=cell.open) for cell in cells]
    columns = [
        clinician_column(),
        Column("c-8", "Dr. Anna Weber", MONDAY, clinician_id=8, cells=shared),
        Column("c-9", "Dr. B", MONDAY, clinician_id=9, cells=list(reversed(shared))),
        device_column(),
    ]
    day = {**context(columns[0]), "columns": columns}
    column_template = OLD_COLUMN.removeprefix("{% load i18n %}")
    old = render(
        f"{{% load i18n %}}{{% for column in columns %}}{column_template}{{% endfor %}}", day
    )
    tag = "{% calendar_column column %}"
    new = render(f"{{% load calendar_grid %}}{{% for column in columns %}}{tag}{{% endfor %}}", day)
    assert new == old
    assert new.count("data-column=") == 4


def test_a_page_without_the_current_time_has_no_booking_links():
    """The template's `{% if %}` read a missing `now` as false (no cell is "after" nothing)."""
    html = assert_same({**context(clinician_column()), "now": None})
    assert 'class="cal-cell free' not in html and 'data-open="1"' in html


@pytest.mark.parametrize("language", ["en", "de", "tr"])
@pytest.mark.parametrize("view", ["day", "week"])
@pytest.mark.parametrize("can_book", [True, False])
def test_the_controls_are_marked_up_as_the_template_did(language, view, can_book):
    links = {
        name: f"/admin/bookings/appointment/calendar/?view={view}&day=2027-03-0{n}&who=<c-1>"
        for n, name in enumerate(
            ("previous_url", "today_url", "next_url", "day_url", "week_url"), start=1
        )
    }
    page = {"view": view, "day": MONDAY, "can_book": can_book, "book_url": "/book/?a&b", **links}
    with translation.override(language):
        html = render(NEW_CONTROLS, page)
        assert html == render(OLD_CONTROLS, page)
    assert "&amp;day=2027-03-01&amp;who=&lt;c-1&gt;" in html
    assert 'href="/admin/bookings/appointment/calendar/print/?day=2027-03-08"' in html
    assert ('class="addlink"' in html) is can_book
    assert html.count('aria-current="page"') == 1
