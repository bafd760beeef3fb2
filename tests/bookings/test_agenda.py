"""The day's agenda: the visits of a local day in the clinic's zone, per clinician and laser,
correct on the days the clocks change, printable, in a fixed number of queries."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import AppointmentStatus, Device
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import confirmed_plan, local, put, today
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

AGENDA = reverse("admin:bookings_agendaday_changelist")
# Europe/Berlin leaves summer time on the last Sunday of October: 03:00 CEST becomes 02:00 CET,
# so the day has 25 hours and 02:30 happens twice.
AUTUMN_CHANGE = date(2027, 10, 31)


def names_in(page, column: str) -> list[str]:
    columns = {c.title: c for c in page.context["columns"]}
    return [visit.plan.patient.full_name for visit in columns[column].visits]


def test_the_agenda_is_linked_from_the_admin_index(reception):
    index = reception.get(reverse("admin:index")).text

    assert AGENDA in index


def test_todays_agenda_lists_each_clinicians_visits_in_time_order(reception, course, weber, yilmaz):
    day = today()
    for name, clinician, hhmm in [
        ("Late Weber", weber, "15:00"),
        ("Early Weber", weber, "09:00"),
        ("Yilmaz Patient", yilmaz, "11:00"),
    ]:
        put(confirmed_plan(course, clinician, PatientFactory(full_name=name)), local(day, hhmm))

    page = reception.get(AGENDA)

    assert names_in(page, "Dr. Anna Weber") == ["Early Weber", "Late Weber"]
    assert names_in(page, "Dr. Mehmet Yilmaz") == ["Yilmaz Patient"]
    assert "09:00–10:00" in page.text
    assert "Session 1 of 3" in page.text
    assert "Skin renewal" in page.text


def test_a_visit_just_after_local_midnight_belongs_to_that_local_day(reception, course, weber):
    day = date(2027, 6, 15)
    # 00:30 in Berlin is 22:30 UTC the day before.
    put(confirmed_plan(course, weber, PatientFactory(full_name="Night Owl")), local(day, "00:30"))

    on_the_day = reception.get(AGENDA, {"day": day.isoformat()})
    day_before = reception.get(AGENDA, {"day": (day - timedelta(days=1)).isoformat()})

    assert names_in(on_the_day, "Dr. Anna Weber") == ["Night Owl"]
    assert "Night Owl" not in day_before.text


def test_the_25_hour_day_of_the_autumn_clock_change_shows_all_its_visits(
    reception, course, weber, yilmaz
):
    first_0230 = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second_0230 = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 CET, an hour later
    late = local(AUTUMN_CHANGE, "23:30")  # 22:30 UTC
    next_morning = local(AUTUMN_CHANGE + timedelta(days=1), "00:15")
    for name, clinician, start in [
        ("First Half Past Two", weber, first_0230),
        ("Second Half Past Two", yilmaz, second_0230),
        ("Late Evening", weber, late),
        ("Next Morning", weber, next_morning),
    ]:
        put(confirmed_plan(course, clinician, PatientFactory(full_name=name)), start, minutes=30)

    page = reception.get(AGENDA, {"day": AUTUMN_CHANGE.isoformat()})

    assert names_in(page, "Dr. Anna Weber") == ["First Half Past Two", "Late Evening"]
    assert names_in(page, "Dr. Mehmet Yilmaz") == ["Second Half Past Two"]
    assert "Next Morning" not in page.text
    assert page.text.count("02:30–03:00") == 1  # the second 02:30, in winter time
    assert "02:30–02:00" in page.text  # the first one ends when the clock goes back
    assert "23:30–00:00" in page.text


def test_the_spring_change_day_is_23_hours(reception, course, weber):
    spring = date(2027, 3, 28)
    put(
        confirmed_plan(course, weber, PatientFactory(full_name="Early Spring")),
        local(spring, "03:30"),
    )
    put(
        confirmed_plan(course, weber, PatientFactory(full_name="Monday Midnight")),
        local(spring + timedelta(days=1), "00:00"),
    )

    page = reception.get(AGENDA, {"day": spring.isoformat()})

    assert names_in(page, "Dr. Anna Weber") == ["Early Spring"]


def test_laser_sessions_also_appear_in_the_laser_column(reception, course, weber):
    laser = Device.objects.create(name="Fractional laser 1", procedure="fractional_laser")
    put(
        confirmed_plan(course, weber, PatientFactory(full_name="Laser Patient")),
        local(today(), "12:00"),
        device=laser,
    )

    page = reception.get(AGENDA)

    assert names_in(page, "Lasers") == ["Laser Patient"]
    assert "Fractional laser 1 · Dr. Anna Weber" in page.text


def test_cancelled_visits_are_left_out(reception, course, weber):
    gone = put(
        confirmed_plan(course, weber, PatientFactory(full_name="Gone")), local(today(), "10:00")
    )
    gone.status = AppointmentStatus.CANCELLED
    gone.save()

    page = reception.get(AGENDA)

    assert "Gone" not in page.text


def test_previous_and_next_day_links_and_a_bad_date_falls_back_to_today(reception, weber):
    day = date(2027, 5, 12)

    page = reception.get(AGENDA, {"day": day.isoformat()}).text
    bad = reception.get(AGENDA, {"day": "not-a-day"})

    assert "?day=2027-05-11" in page and "?day=2027-05-13" in page
    assert bad.status_code == 200
    assert bad.context["day"] == today()
    assert "That is not a date; showing today." in bad.text


def test_the_agenda_has_a_print_stylesheet_and_no_inline_style_or_script(reception, weber):
    page = reception.get(AGENDA).text

    assert "admin_extra/reception.css" in page
    content = page.split('id="content"', 1)[1]
    assert "<style" not in content and "<script" not in content and "style=" not in content
    stylesheet = Path(finders.find("admin_extra/reception.css")).read_text(encoding="utf-8")
    assert "@media print" in stylesheet
    assert "break-after: page" in stylesheet


def test_the_agenda_runs_the_same_queries_for_a_quiet_and_a_busy_day(
    reception, course, weber, yilmaz
):
    quiet, busy = today() + timedelta(days=1), today() + timedelta(days=2)
    put(confirmed_plan(course, weber), local(quiet, "09:00"))
    for index in range(16):
        clinician = (weber, yilmaz)[index % 2]
        put(
            confirmed_plan(course, clinician),
            local(busy, f"{9 + index // 2}:{'00' if index % 2 else '30'}"),
            minutes=20,
        )

    def queries(day: date) -> int:
        with CaptureQueriesContext(connection) as captured:
            reception.get(AGENDA, {"day": day.isoformat()})
        return len(captured)

    reception.get(AGENDA)  # the session's first request reads the account into the cache
    assert queries(quiet) == queries(busy)
    assert queries(busy) <= 10


def test_the_agenda_is_closed_to_anonymous_visitors(client):
    response = client.get(AGENDA)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
