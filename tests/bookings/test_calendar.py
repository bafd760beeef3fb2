"""The front desk's calendar: the day and week grid, the late flag and strip, the visit panel and
its actions through the services, cancelling with a reason, the print sheets, booking from an
empty slot, and a fixed number of queries whatever the week holds."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.template import RequestContext, engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from bookings.engine.rules import clinic_zone
from bookings.models import (
    Appointment,
    AppointmentStatus,
    Device,
    OfferStatus,
    OutgoingEmail,
    Plan,
    PlanStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from bookings.reception.calendar import CalendarView, Column, calendar_load
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import EVERY_DAY, confirmed_plan, put
from tests.factories import ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db

CALENDAR = reverse("admin:bookings_appointment_calendar")
WEDNESDAY = date(2027, 3, 10)
SPRING = date(2027, 3, 28)  # a Sunday: at 02:00 the clocks go to 03:00, 02:00-02:59 does not exist


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=clinic_zone())


@pytest.fixture
def frozen():
    with time_machine.travel(at(WEDNESDAY, "10:20"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(frozen, reception):
    return reception


def test_the_day_shows_a_column_per_clinician_and_device_with_each_visit_block(
    desk, course, weber, yilmaz
):
    Device.objects.create(name="Laser A", procedure="fractional_laser")
    patient = PatientFactory(full_name="Maria Schneider", phone="+49 170 5550101")
    put(confirmed_plan(course, weber, patient), at(WEDNESDAY, "11:00"), sequence=2)

    page = desk.get(CALENDAR, {"day": WEDNESDAY.isoformat()})

    columns = [column.title for column in page.context["grid"].days[0].columns]
    assert columns == ["Dr. Anna Weber", "Dr. Mehmet Yilmaz", "Laser A"]
    text = page.text
    assert "11:00–12:00 Maria Schneider" in text
    assert "+49 170 5550101" in text
    assert "Skin renewal · Session 2 of 3" in text
    assert "Booked" in text
    assert 'class="cal-now' in text  # today: the now line


def test_a_patient_not_arrived_ten_minutes_after_the_start_is_flagged_late(desk, course, weber):
    put(
        confirmed_plan(course, weber, PatientFactory(full_name="Late Larissa")),
        at(WEDNESDAY, "10:00"),
        minutes=15,
    )
    put(
        confirmed_plan(course, weber, PatientFactory(full_name="Soon Sven")),
        at(WEDNESDAY, "10:15"),
        minutes=15,
    )

    page = desk.get(CALENDAR)

    late = [block.appointment.plan.patient.full_name for block in page.context["grid"].late]
    assert late == ["Late Larissa"]
    assert "cal-late-flag" in page.text


def test_the_week_view_runs_monday_to_sunday(desk, course, weber):
    put(
        confirmed_plan(course, weber, PatientFactory(full_name="Friday Frida")),
        at(date(2027, 3, 12), "09:00"),
    )

    page = desk.get(CALENDAR, {"day": WEDNESDAY.isoformat(), "view": "week"})

    days = [calendar_day.day for calendar_day in page.context["grid"].days]
    assert days[0] == date(2027, 3, 8) and days[-1] == date(2027, 3, 14)
    assert "Friday Frida" in page.text


def test_an_empty_slot_links_to_a_phone_booking_for_that_clinician_and_time(desk, course, weber):
    page = desk.get(CALENDAR, {"day": (WEDNESDAY + timedelta(days=1)).isoformat()})
    start = int(at(WEDNESDAY + timedelta(days=1), "14:00").timestamp())

    assert f"?clinician={weber.pk}&amp;start={start}" in page.text

    booking = desk.get(
        reverse("admin:bookings_appointment_book"), {"clinician": weber.pk, "start": start}
    )
    form = booking.context["form"]
    assert form["clinician"].value() == weber.pk
    assert form["earliest"].value() == WEDNESDAY + timedelta(days=1)
    assert form["slot"].value() == start


def test_a_closed_day_offers_the_next_open_day(desk, course):
    ClinicianFactory(display_name="Dr. Weekday", protocols=[course], hours=[(3, time(9), time(17))])

    page = desk.get(CALENDAR, {"day": WEDNESDAY.isoformat()})

    assert "Next open day" in page.text
    assert "day=2027-03-11" in page.text


def test_the_panel_offers_only_what_is_possible_and_says_why_not(desk, course, weber):
    tomorrow = put(confirmed_plan(course, weber), at(WEDNESDAY + timedelta(days=1), "10:00"))

    page = desk.get(reverse("admin:bookings_appointment_panel", args=[tomorrow.pk])).text

    assert 'value="check_in"' not in page
    assert "Only today&#x27;s visits can be checked in." in page
    assert reverse("admin:bookings_appointment_reschedule", args=[tomorrow.pk]) in page


def test_check_in_then_treatment_then_complete_from_the_panel_are_logged(desk, course, weber):
    visit = put(confirmed_plan(course, weber), at(WEDNESDAY, "10:00"))
    act = reverse("admin:bookings_appointment_act", args=[visit.pk])

    for action, state in [
        ("check_in", AppointmentStatus.CHECKED_IN),
        ("in_treatment", AppointmentStatus.IN_TREATMENT),
        ("complete", AppointmentStatus.COMPLETED),
    ]:
        desk.post(act, {"action": action})
        visit.refresh_from_db()
        assert visit.status == state

    messages = [entry.get_change_message() for entry in LogEntry.objects.order_by("pk")]
    assert messages == ["Checked in.", "In treatment.", "Marked as completed."]


def test_a_no_show_is_undone_from_the_panel(desk, frozen, course, weber):
    visit = put(confirmed_plan(course, weber), at(WEDNESDAY, "09:30"))
    act = reverse("admin:bookings_appointment_act", args=[visit.pk])
    desk.post(act, {"action": "no_show"})
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.NO_SHOW

    panel = desk.get(reverse("admin:bookings_appointment_panel", args=[visit.pk])).text
    desk.post(act, {"action": "undo_no_show"})

    assert 'value="undo_no_show"' in panel
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.BOOKED


def test_cancelling_asks_a_reason_says_who_is_emailed_and_logs_the_reason(desk, course, weber):
    patient = PatientFactory(full_name="Ada Lovelace", email="ada@example.com")
    plan = confirmed_plan(course, weber, patient)
    first = put(plan, at(WEDNESDAY + timedelta(days=2), "10:00"), sequence=1)
    put(plan, at(WEDNESDAY + timedelta(days=25), "10:00"), sequence=2)
    url = reverse("admin:bookings_appointment_cancel", args=[first.pk])

    page = desk.get(url).text
    refused = desk.post(url, {"reason": "other", "note": ""})
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED
    assert "Please say why." in refused.text
    desk.post(url, {"reason": "patient_ill", "note": "called at 8"})

    assert "is emailed at ada@example.com" in page
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED
    assert OutgoingEmail.objects.get(plan=plan).template == "booking_cancelled"
    logged = LogEntry.objects.get(object_id=str(first.pk)).get_change_message()
    assert "The patient is ill" in logged and "called at 8" in logged


def test_a_drag_posts_to_the_move_page_which_asks_to_confirm_then_moves(desk, course, weber):
    day = WEDNESDAY + timedelta(days=3)
    visit = put(confirmed_plan(course, weber), at(day, "10:00"))
    url = reverse("admin:bookings_appointment_reschedule", args=[visit.pk])
    target = f"{weber.pk}|{int(at(day, '14:00').timestamp())}"

    asked = desk.post(url, {"day": day.isoformat(), "visit": target})
    visit.refresh_from_db()
    assert visit.start == at(day, "10:00")
    assert "Please confirm the move" in asked.text
    assert "is emailed the new time" in asked.text

    desk.post(url, {"day": day.isoformat(), "visit": target, "confirm": "1"})
    visit.refresh_from_db()
    assert visit.start == at(day, "14:00")


def test_a_drop_onto_a_taken_time_is_refused_with_the_engines_message(desk, course, weber):
    day = WEDNESDAY + timedelta(days=3)
    visit = put(confirmed_plan(course, weber), at(day, "10:00"))
    put(confirmed_plan(course, weber), at(day, "14:00"))
    url = reverse("admin:bookings_appointment_reschedule", args=[visit.pk])
    target = f"{weber.pk}|{int(at(day, '14:00').timestamp())}"

    refused = desk.post(url, {"day": day.isoformat(), "visit": target, "confirm": "1"})

    visit.refresh_from_db()
    assert visit.start == at(day, "10:00")
    assert "That time was just taken" in refused.text or "not free" in refused.text


def test_the_print_view_has_a_sheet_per_clinician_and_device_with_phones(desk, course, weber):
    laser = Device.objects.create(name="Laser A", procedure="fractional_laser")
    patient = PatientFactory(full_name="Print Paula", phone="030 1234567")
    visit = put(confirmed_plan(course, weber, patient), at(WEDNESDAY, "13:00"))
    Appointment.objects.filter(pk=visit.pk).update(device=laser)

    page = desk.get(reverse("admin:bookings_appointment_print"), {"day": WEDNESDAY.isoformat()})

    titles = [sheet.title for sheet in page.context["sheets"]]
    assert titles == ["Dr. Anna Weber", "Laser A"]
    assert page.text.count("030 1234567") == 2


def test_awaiting_review_is_shown_in_words_on_the_grid(desk, course, weber):
    plan = confirmed_plan(course, weber, PatientFactory(full_name="Review Rita"))
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.AWAITING_REVIEW)
    put(plan, at(WEDNESDAY, "15:00"))

    page = desk.get(CALENDAR).text

    assert "state-awaiting_review" in page and "Awaiting review" in page


def _offered_from_the_waitlist(plan: Plan) -> Plan:
    """The plan becomes the held course of an open waitlist offer, as the offer search leaves it."""
    Plan.objects.filter(pk=plan.pk).update(
        status=PlanStatus.HELD, hold_expires_at=at(WEDNESDAY, "12:00")
    )
    entry = WaitlistEntry.objects.create(
        patient=plan.patient,
        protocol=plan.protocol,
        earliest_date=WEDNESDAY,
        latest_date=WEDNESDAY + timedelta(days=30),
        status=WaitlistStatus.ACTIVE,
        verify_token_hash=f"verify-{plan.pk}",
        leave_token_hash=f"leave-{plan.pk}",
    )
    WaitlistOffer.objects.create(
        entry=entry,
        plan=plan,
        freed_key=f"freed-{plan.pk}",
        freed_at=at(WEDNESDAY, "09:00"),
        proposal_id=f"proposal-{plan.pk}",
        claim_token_hash=f"claim-{plan.pk}",
        first_start=at(WEDNESDAY, "15:00"),
        expires_at=at(WEDNESDAY, "12:00"),
    )
    return plan


def test_a_time_held_for_a_waitlist_offer_is_marked_offered_in_words_and_colour(
    desk, course, weber
):
    offered = _offered_from_the_waitlist(
        confirmed_plan(course, weber, PatientFactory(full_name="Offer Olga"))
    )
    put(offered, at(WEDNESDAY, "15:00"))
    held = confirmed_plan(course, weber, PatientFactory(full_name="Held Hanna"))
    Plan.objects.filter(pk=held.pk).update(
        status=PlanStatus.HELD, hold_expires_at=at(WEDNESDAY, "12:00")
    )
    put(held, at(WEDNESDAY, "13:00"))

    page = desk.get(CALENDAR)

    blocks = {
        block.appointment.plan.patient.full_name: block
        for block in page.context["grid"].days[0].columns[0].blocks
    }
    assert blocks["Offer Olga"].state == "offered"
    assert blocks["Offer Olga"].state_label == "Offered from the waitlist"
    assert blocks["Held Hanna"].state == "held"  # an online hold without an offer stays "held"
    assert "state-offered" in page.text and "Offered from the waitlist" in page.text


def test_a_claimed_or_expired_offer_no_longer_marks_the_time(desk, course, weber):
    plan = _offered_from_the_waitlist(confirmed_plan(course, weber))
    put(plan, at(WEDNESDAY, "15:00"))
    WaitlistOffer.objects.filter(plan=plan).update(status=OfferStatus.EXPIRED)

    page = desk.get(CALENDAR).text

    assert "Offered from the waitlist" not in page and "state-held" in page


def test_the_calendar_has_no_inline_script_or_style(desk, course, weber):
    put(confirmed_plan(course, weber), at(WEDNESDAY, "15:00"))

    page = desk.get(CALENDAR, {"view": "week"}).text

    assert "<script>" not in page and " style=" not in page and " onclick" not in page
    assert "bookings/calendar.js" in page


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_calendar_runs_the_same_number_of_queries_for_a_small_and_a_large_week(
    desk, course, view
):
    clinicians = [
        ClinicianFactory(display_name=f"Dr. {n:02}", protocols=[course], hours=EVERY_DAY)
        for n in range(10)
    ]
    Device.objects.create(name="Laser A", procedure="fractional_laser")
    Device.objects.create(name="Laser B", procedure="fractional_laser")
    monday = WEDNESDAY - timedelta(days=2)

    def fill(first: int, count: int) -> None:
        for index in range(first, first + count):
            clinician = clinicians[index % 10]
            slot = index // 10
            day = monday + timedelta(days=slot % 7)
            start = at(day, "09:00") + timedelta(minutes=15 * (slot // 7))
            plan = confirmed_plan(course, clinician)
            if index % 5 == 0:  # some of them held for a waitlist offer
                _offered_from_the_waitlist(plan)
            put(plan, start, minutes=15)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = desk.get(CALENDAR, {"day": WEDNESDAY.isoformat(), "view": view})
        assert response.status_code == 200
        return len(queries)

    fill(0, 10)
    desk.get(CALENDAR)  # the session's first request reads the account into the cache
    small = count_queries()
    fill(10, 390)
    large = count_queries()

    assert Appointment.objects.count() == 400
    assert WaitlistOffer.objects.count() == 80
    assert small == large


@pytest.mark.parametrize(
    ("days", "next_open"),
    [(1, "2027-03-11"), (3, "2027-03-13")],  # a closure of several days: Saturday after it
    ids=["one day", "Wednesday to Friday"],
)
def test_a_whole_clinic_closure_is_a_closed_day_with_the_next_open_day(
    desk, course, weber, days, next_open
):
    from bookings.models import TimeOff

    TimeOff.objects.create(
        start=at(WEDNESDAY, "00:00"),
        end=at(WEDNESDAY + timedelta(days=days), "00:00"),
        reason="Holiday",
    )

    grid = desk.get(CALENDAR, {"day": WEDNESDAY.isoformat()}).text
    agenda = desk.get(
        reverse("admin:bookings_agendaday_changelist"), {"day": WEDNESDAY.isoformat()}
    ).text

    for page in (grid, agenda):
        assert "The clinic is closed on this day." in page
        assert f"day={next_open}" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("closed", [False, True], ids=["open day", "closed day"])
def test_the_day_and_week_read_in_two_queries_and_one_transaction(desk, course, weber, closed):
    """Issue 22: a page that only reads runs at most four queries, in one transaction on
    PostgreSQL, and writes nothing. The calendar runs two: its frame (shifts, devices and time
    off, the closures that find the next open day included) and its visits."""
    from bookings.models import TimeOff
    from tests.bookings.test_read_pages import READ_BUDGET, WRITES, read, transactions

    put(confirmed_plan(course, weber), at(WEDNESDAY, "11:00"))
    Device.objects.create(name="Laser A", procedure="fractional_laser")
    if closed:
        TimeOff.objects.create(
            start=at(WEDNESDAY, "00:00"), end=at(WEDNESDAY, "23:59") + timedelta(minutes=1)
        )
    desk.get(CALENDAR)  # the session's first request notes its time and reads the account

    for view in ("day", "week"):
        statements = read(desk, f"{CALENDAR}?view={view}&day={WEDNESDAY.isoformat()}")

        assert len(statements) == 2 <= READ_BUDGET, [sql for sql, _ in statements]
        assert not [sql for sql, _ in statements if WRITES.match(sql)]
        if connection.vendor == "postgresql":
            assert transactions(statements) == 1
    page = desk.get(CALENDAR, {"day": WEDNESDAY.isoformat()}).text
    assert ("Next open day" in page) == closed


def test_time_off_and_visits_mark_only_their_own_rows_columns_and_days_of_the_week(
    frozen, course, weber, yilmaz
):
    """The cells of a week: a clinician's leave greys their hours on that day only, a clinic
    closure every column of its day (devices too), and a visit takes its rows of its column."""
    from bookings.models import TimeOff
    from bookings.reception.calendar import calendar_load

    monday, thursday, friday = (WEDNESDAY + timedelta(days=n) for n in (-2, 1, 2))
    laser = Device.objects.create(name="Laser A", procedure="fractional_laser")
    TimeOff.objects.create(
        clinician=weber, start=at(WEDNESDAY, "13:00"), end=at(WEDNESDAY, "14:00")
    )
    TimeOff.objects.create(start=at(friday, "00:00"), end=at(friday + timedelta(days=1), "00:00"))
    put(confirmed_plan(course, weber), at(thursday, "10:00"))

    grid = calendar_load(first_day=monday, days=7, now=at(monday, "08:00"))

    def rows(day: date, key: str, what) -> list[str]:
        column = next(c for c in grid.days[(day - monday).days].columns if c.key == key)
        return [f"{cell.start:%H:%M}" for cell in column.cells if what(cell)]

    weber_key, yilmaz_key, laser_key = f"c-{weber.pk}", f"c-{yilmaz.pk}", f"d-{laser.pk}"
    assert rows(WEDNESDAY, weber_key, lambda c: c.off) == ["13:00", "13:15", "13:30", "13:45"]
    assert rows(WEDNESDAY, weber_key, lambda c: c.off and (c.open or c.free)) == []
    assert {"12:45", "14:00"} <= set(rows(WEDNESDAY, weber_key, lambda c: c.free))
    for day, key in [(WEDNESDAY, yilmaz_key), (WEDNESDAY, laser_key), (thursday, weber_key)]:
        assert rows(day, key, lambda c: c.off) == []
    assert rows(thursday, weber_key, lambda c: c.open and not c.free) == [
        "10:00",
        "10:15",
        "10:30",
        "10:45",
    ]
    assert rows(thursday, yilmaz_key, lambda c: c.open and not c.free) == []
    for key in (weber_key, yilmaz_key, laser_key):
        assert rows(friday, key, lambda c: not c.off) == []
    assert not grid.days[4].is_open


def _column(grid: CalendarView, key: str) -> Column:
    """The column `key` of the grid's first day."""
    return next(c for c in grid.days[0].columns if c.key == key)


def test_a_row_whose_quarter_a_visit_starts_inside_is_not_free(course, weber, settings):
    """On a 10-minute booking clock a visit can start at 10:10: the 10:00 row holds it for its
    last five minutes, so "Book 10:00" would book over it."""
    settings.BOOKING_GRANULARITY_MINUTES = 10
    put(confirmed_plan(course, weber), at(WEDNESDAY, "10:10"))

    grid = calendar_load(
        first_day=WEDNESDAY, days=1, now=at(WEDNESDAY - timedelta(days=1), "08:00")
    )

    column = _column(grid, f"c-{weber.pk}")
    free = {f"{cell.start:%H:%M}" for cell in column.cells if cell.free}
    assert "09:45" in free
    assert {"10:00", "10:15", "10:30", "10:45", "11:00"}.isdisjoint(free)  # 10:10-11:10
    assert "11:15" in free


def test_time_off_starting_inside_a_row_takes_that_row(course, weber):
    from bookings.models import TimeOff

    TimeOff.objects.create(
        clinician=weber, start=at(WEDNESDAY, "13:10"), end=at(WEDNESDAY, "13:50"), reason="Dentist"
    )

    grid = calendar_load(
        first_day=WEDNESDAY, days=1, now=at(WEDNESDAY - timedelta(days=1), "08:00")
    )

    cells = {f"{cell.start:%H:%M}": cell for cell in _column(grid, f"c-{weber.pk}").cells}
    assert cells["12:45"].free and cells["14:00"].free
    for row in ("13:00", "13:15", "13:30", "13:45"):
        assert cells[row].off and not cells[row].free, row


def test_the_skipped_spring_hour_offers_no_free_time_twice(course):
    """On the spring day the rows labelled 02:00-02:45 would be the instants 03:00-03:45 again:
    they are closed (no booking link, no drop target), and each free instant is offered once."""
    night = ClinicianFactory(
        display_name="Dr. Night", protocols=[course], hours=[(6, time(0), time(6))]
    )

    grid = calendar_load(first_day=SPRING, days=1, now=at(SPRING - timedelta(days=1), "08:00"))

    column = _column(grid, f"c-{night.pk}")
    free_instants = [cell.start.timestamp() for cell in column.cells if cell.free]
    assert len(free_instants) == len(set(free_instants))
    skipped = [cell for cell in column.cells if cell.start.hour == 2]
    assert [f"{cell.start:%H:%M}" for cell in skipped] == ["02:00", "02:15", "02:30", "02:45"]
    assert not any(cell.open or cell.free or cell.off for cell in skipped)
    free = {f"{cell.start:%H:%M}" for cell in column.cells if cell.free}
    assert {"01:45", "03:00", "03:45", "05:45"} <= free


def test_a_visit_across_the_skipped_spring_hour_takes_the_rows_on_both_sides(course):
    """01:30 plus an hour is 03:30 on the spring day: the visit takes 01:30-01:45 and
    03:00-03:15, and the rows around it stay free."""
    night = ClinicianFactory(
        display_name="Dr. Night", protocols=[course], hours=[(6, time(1), time(4))]
    )
    put(confirmed_plan(course, night), at(SPRING, "01:30"))

    grid = calendar_load(first_day=SPRING, days=1, now=at(SPRING - timedelta(days=1), "08:00"))

    free = [f"{cell.start:%H:%M}" for cell in _column(grid, f"c-{night.pk}").cells if cell.free]
    assert free == ["01:00", "01:15", "03:30", "03:45"]


def test_the_spring_day_page_links_each_free_instant_to_a_booking_once(desk, course):
    """A night shift on the spring day: one "Book" link per quarter that exists, none twice."""
    ClinicianFactory(display_name="Dr. Night", protocols=[course], hours=[(6, time(0), time(6))])

    page = desk.get(CALENDAR, {"day": SPRING.isoformat()}).text

    starts = re.findall(r'class="cal-cell free[^"]*"[^>]*&amp;start=(\d+)"', page)
    assert len(starts) == 6 * 4 - 4  # six hours of quarters, less the skipped hour
    assert len(starts) == len(set(starts))


def test_a_visit_ending_at_midnight_stays_inside_the_grid(course, weber):
    """00:00 ends the visit's own day: the grid stretches to cover 23:00-24:00 (it is not a
    time before the start)."""
    put(confirmed_plan(course, weber), at(WEDNESDAY, "23:00"))

    grid = calendar_load(
        first_day=WEDNESDAY, days=1, now=at(WEDNESDAY - timedelta(days=1), "08:00")
    )

    block = _column(grid, f"c-{weber.pk}").blocks[0]
    assert grid.times[block.row] == time(23, 0)
    assert block.row + block.rows <= len(grid.times)
    assert grid.times[-1] == time(23, 45)


# templates/admin/bookings/calendar/grid.html under the controls, before `{% calendar_body %}`.
OLD_BODY = """{% load calendar_grid i18n %}{% if next_open_day %}<p class="cal-closed-note">{% translate "The clinic is closed on this day." %} <a href="?view=day&amp;day={{ next_open_day|date:'Y-m-d' }}">{% blocktranslate trimmed with day=next_open_day|date:"l, j F Y" %}Next open day: {{ day }}{% endblocktranslate %}</a></p>{% endif %}
{% if grid.waiting or grid.late %}
<section class="cal-strip" aria-label="{% translate 'Waiting and late' %}">
  <div><h2>{% translate "Waiting" %}</h2>
    <ul>{% for block in grid.waiting %}<li><a href="{% url 'admin:bookings_appointment_panel' block.appointment.pk %}?next={{ here|urlencode }}">{{ block.local_start|time:"H:i" }} {{ block.appointment.plan.patient.full_name }}</a></li>{% empty %}<li>{% translate "Nobody" %}</li>{% endfor %}</ul></div>
  <div><h2>{% blocktranslate trimmed with minutes=late_minutes %}Late (not arrived {{ minutes }} minutes after the start){% endblocktranslate %}</h2>
    <ul>{% for block in grid.late %}<li><a href="{% url 'admin:bookings_appointment_panel' block.appointment.pk %}?next={{ here|urlencode }}"><span class="cal-late-flag">{% translate "Late" %}</span> {{ block.local_start|time:"H:i" }} {{ block.appointment.plan.patient.full_name }}</a> · {{ block.appointment.plan.patient.phone }}</li>{% empty %}<li>{% translate "Nobody" %}</li>{% endfor %}</ul></div>
</section>
{% endif %}
<div class="cal-message" id="cal-message" role="alert" aria-live="assertive" data-taken="{% translate 'That time is taken: drop the visit on a free time.' %}" data-closed="{% translate 'Nobody works at that time: drop the visit on a free time.' %}"></div>
<form id="cal-move-form" method="post" action="">{% csrf_token %}<input type="hidden" name="day" value=""><input type="hidden" name="visit" value=""></form>
<p class="visually-hidden" id="cal-help">{% translate "Each visit links to its panel (check in, move, cancel). Each free time links to a phone booking. With a mouse, a visit can be dragged to a free time; the move is confirmed on the next page." %}</p>
{% if view == "week" %}
<nav class="cal-controls" aria-label="{% translate 'Whose week' %}">
  {% for key, title in resources %}<a href="?view=week&amp;day={{ day|date:'Y-m-d' }}&amp;who={{ key }}"{% if key == who %} class="current" aria-current="true"{% endif %}>{{ title }}</a>{% endfor %}
  <a href="?view=week&amp;day={{ day|date:'Y-m-d' }}&amp;who=all"{% if who == "all" %} class="current" aria-current="true"{% endif %}>{% translate "Everyone, day by day" %}</a>
</nav>
{% endif %}
{% if week_columns %}
<section class="cal-scroll" aria-labelledby="cal-week-heading">
  <h2 class="cal-day-heading" id="cal-week-heading">{{ who_title }}</h2>
  <div class="cal-grid cal-week-grid rows-{{ row_count }}">
    {% calendar_times grid.times %}
    {% for column in week_columns %}
    {% calendar_column column %}
    {% endfor %}
  </div>
</section>
{% else %}
{% for calendar_day in grid.days %}
<section class="cal-scroll" aria-labelledby="cal-day-{{ forloop.counter }}">
  <h2 class="cal-day-heading" id="cal-day-{{ forloop.counter }}">{{ calendar_day.day|date:"l, j F Y" }}{% if not calendar_day.is_open %} · {% translate "closed" %}{% endif %}</h2>
  {% if calendar_day.columns %}
  <div class="cal-grid rows-{{ row_count }}">
    {% calendar_times grid.times %}
    {% for column in calendar_day.columns %}
    {% calendar_column column %}
    {% endfor %}
  </div>
  {% else %}
  <p>{% translate "Nobody works on this day." %}</p>
  {% endif %}
</section>
{% endfor %}
{% endif %}
"""  # noqa: E501 (verbatim)


CLOSED = date(2027, 3, 15)


def _rendered(source: str, page) -> str:
    """`source` with the page's own context (its CSRF token included) and request."""
    context = {key: value for layer in page.context for key, value in layer.flatten().items()}
    context["csrf_token"] = str(context["csrf_token"])
    request_context = RequestContext(page.wsgi_request)
    request_context.push(context)  # above the context processors' layer
    return engines["django"].from_string(source).template.render(request_context)


@pytest.mark.parametrize("language", ["en", "de", "tr"])
def test_the_page_under_the_controls_is_marked_up_as_the_template_did(
    desk, course, weber, yilmaz, language
):
    """Today with someone waiting and someone late, a device, names with markup characters; a
    week of one clinician, of a device and of everyone; a closed day; an empty week."""
    from bookings.models import TimeOff

    laser = Device.objects.create(name='Laser <A> & "B"', procedure="fractional_laser")
    waiting = put(
        confirmed_plan(course, weber, PatientFactory(full_name='Ada <"Waiting"> & Co')),
        at(WEDNESDAY, "10:00"),
        device=laser,
    )
    Appointment.objects.filter(pk=waiting.pk).update(status=AppointmentStatus.CHECKED_IN)
    put(
        confirmed_plan(course, yilmaz, PatientFactory(full_name="Late <Larissa>", phone="+49 1")),
        at(WEDNESDAY, "10:00"),
        minutes=15,
    )
    put(confirmed_plan(course, yilmaz), at(date(2027, 3, 12), "09:00"), sequence=2)
    TimeOff.objects.create(
        start=at(CLOSED, "00:00"), end=at(CLOSED + timedelta(days=1), "00:00"), reason="Holiday"
    )
    pages = [
        {},
        {"day": WEDNESDAY.isoformat(), "view": "week"},
        {"day": WEDNESDAY.isoformat(), "view": "week", "who": f"d-{laser.pk}"},
        {"day": WEDNESDAY.isoformat(), "view": "week", "who": "all"},
        {"day": CLOSED.isoformat()},
        {"day": "2027-06-02", "view": "week", "who": "c-999999"},
    ]
    seen = ""
    for params in pages:
        page = desk.get(CALENDAR, params, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200
        with translation.override(language):
            new = _rendered("{% load calendar_grid %}{% calendar_body %}", page)
            assert new == _rendered(OLD_BODY, page), params
        assert new in page.text
        seen += new
    # What the comparison covered.
    for part in (
        'class="cal-strip"',
        "cal-late-flag",
        "Late &lt;Larissa&gt;",
        "&amp; Co",
        'class="cal-closed-note"',
        'id="cal-week-heading"',
        'aria-current="true"',
        'class="cal-col cal-device"',
        'name="csrfmiddlewaretoken"',
    ):
        assert part in seen, part


def test_a_day_nobody_works_is_marked_up_as_the_template_did():
    from bookings.reception.calendar import CalendarDay, CalendarView

    grid = CalendarView(
        [CalendarDay(WEDNESDAY, [], False)], [], time(9), time(17), [], [], None, None
    )
    context = {"grid": grid, "view": "day", "day": WEDNESDAY, "row_count": 0}
    for source in (OLD_BODY, "{% load calendar_grid %}{% calendar_body %}"):
        html = engines["django"].from_string(source).render(context)
        assert "<p>Nobody works on this day.</p>" in html and " · closed</h2>" in html
    assert html == engines["django"].from_string(OLD_BODY).render(context)
