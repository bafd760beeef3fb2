"""Printing the day (issue 17, build 10): a sheet per clinician and per device, with the
patients' phone numbers and, once per sheet, how to prepare for each treatment on it."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from bookings.engine.rules import clinic_zone
from bookings.models import Appointment, Device
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import confirmed_plan, put
from tests.factories import PatientFactory, ProtocolFactory

pytestmark = pytest.mark.django_db

PRINT = reverse("admin:bookings_appointment_print")
WEDNESDAY = date(2027, 3, 10)
PREPARE = "Stop retinoids a week before. Come without make-up."


def at(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(WEDNESDAY, time(hours, minutes), tzinfo=clinic_zone())


@pytest.fixture
def frozen():
    with time_machine.travel(at("08:00"), tick=False):
        yield


@pytest.fixture
def day(frozen, reception, course, weber):
    """Weber sees two patients of the same course, one of them on the laser, and a third of a
    course without preparation notes."""
    course.how_to_prepare = PREPARE
    course.how_to_prepare_de = "Retinoide eine Woche vorher absetzen. Ohne Make-up kommen."
    course.save()
    weber.protocols.add(plain := ProtocolFactory(name="Plain peel", how_to_prepare=""))
    laser = Device.objects.create(name="Laser A", procedure="fractional_laser")
    first = put(
        confirmed_plan(course, weber, PatientFactory(full_name="Ada", phone="030 1111111")),
        at("09:00"),
    )
    Appointment.objects.filter(pk=first.pk).update(device=laser)
    put(
        confirmed_plan(course, weber, PatientFactory(full_name="Bea", phone="030 2222222")),
        at("11:00"),
    )
    put(
        confirmed_plan(plain, weber, PatientFactory(full_name="Cem", phone="030 3333333")),
        at("13:00"),
    )
    return reception


def test_each_sheet_shows_how_to_prepare_once_per_treatment_on_it(day):
    page = day.get(PRINT, {"day": WEDNESDAY.isoformat()})

    sheets = {sheet.title: sheet.preparations for sheet in page.context["sheets"]}
    assert sheets == {
        "Dr. Anna Weber": [("Skin renewal", PREPARE)],
        "Laser A": [("Skin renewal", PREPARE)],
    }
    # Once on Weber's sheet (two visits of the course) and once on the laser's.
    assert page.text.count(PREPARE) == 2
    assert "How to prepare" in page.text


def test_each_sheet_lists_its_patients_phone_numbers(day):
    page = day.get(PRINT, {"day": WEDNESDAY.isoformat()}).text

    weber_sheet, laser_sheet = page.split('class="print-sheet"')[1:]
    for phone in ("030 1111111", "030 2222222", "030 3333333"):
        assert phone in weber_sheet
    assert "030 1111111" in laser_sheet
    assert "030 2222222" not in laser_sheet


def test_the_preparation_notes_are_printed_in_the_readers_language(day):
    day.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    page = day.get(PRINT, {"day": WEDNESDAY.isoformat()}).text

    assert page.count("Retinoide eine Woche vorher absetzen.") == 2
    assert "So bereiten Sie sich vor" in page


def test_the_sheets_run_the_same_queries_for_three_visits_and_for_fifteen(day, course, weber):
    """The sheets read what they print with the visits (calendar_load's columns): a field left
    out of them would cost a query per visit."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = day.get(PRINT, {"day": WEDNESDAY.isoformat()})
        assert page.status_code == 200
        return len(captured)

    day.get(PRINT)  # the session's first request reads the account into the cache
    three = queries()
    for hour in range(14, 19):
        for minute in ("00", "20", "40"):
            put(confirmed_plan(course, weber, PatientFactory()), at(f"{hour}:{minute}"), minutes=15)

    assert Appointment.objects.count() == 18
    assert queries() == three
