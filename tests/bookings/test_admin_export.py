"""The appointments of a date range as CSV for accounting."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.models import AppointmentStatus
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import confirmed_plan, local, put
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:bookings_appointment_export")


def rows_of(response) -> list[list[str]]:
    # The file starts with a byte order mark (Excel reads it as UTF-8 then).
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_has_every_visit_of_the_range_in_the_clinics_zone(reception, course, weber):
    course.price = Decimal("1000.00")
    course.save()
    plan = confirmed_plan(course, weber, PatientFactory(full_name="Maria Schneider"))
    put(plan, local(date(2027, 4, 30), "22:30"), sequence=1)  # the day before: left out
    put(plan, local(date(2027, 5, 1), "00:15"), sequence=2)  # 22:15 UTC on 30 April
    last = put(plan, local(date(2027, 5, 31), "16:00"), sequence=3)
    last.status = AppointmentStatus.NO_SHOW
    last.save()
    put(confirmed_plan(course, weber), local(date(2027, 6, 1), "09:00"))  # after: left out

    response = reception.get(EXPORT, {"start": "2027-05-01", "end": "2027-05-31"})

    assert response["Content-Type"].startswith("text/csv")
    assert "appointments-2027-05-01-to-2027-05-31.csv" in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header == [
        "date",
        "time",
        "patient",
        "protocol",
        "session",
        "clinician",
        "price (EUR)",
        "status",
        "booked revenue (EUR)",
    ]
    assert rows == [
        [
            "2027-05-01",
            "00:15",
            "Maria Schneider",
            "Skin renewal",
            "Session 2 of 3",
            "Dr. Anna Weber",
            "333.33",
            "Booked",
            "333.33",
        ],
        [
            "2027-05-31",
            "16:00",
            "Maria Schneider",
            "Skin renewal",
            "Session 3 of 3",
            "Dr. Anna Weber",
            "333.34",
            "No-show",
            "0.00",
        ],
    ]


def test_a_name_that_looks_like_a_formula_is_exported_as_text(reception, course, weber):
    plan = confirmed_plan(course, weber, PatientFactory(full_name="=HYPERLINK(1)"))
    put(plan, local(date(2027, 5, 3), "10:00"))

    _header, row = rows_of(reception.get(EXPORT, {"start": "2027-05-03", "end": "2027-05-03"}))

    assert row[2] == "'=HYPERLINK(1)"


def test_a_range_ending_before_it_starts_shows_the_form_with_a_message(reception):
    response = reception.get(EXPORT, {"start": "2027-05-10", "end": "2027-05-01"})

    assert response["Content-Type"].startswith("text/html")
    assert "The end must not be before the start." in response.text


def test_the_export_is_closed_to_anonymous_visitors(client):
    response = client.get(EXPORT, {"start": "2027-05-01", "end": "2027-05-31"})

    assert response.status_code == 302


def test_german_excel_gets_semicolons_and_iso_dates(reception, course, weber):
    plan = confirmed_plan(course, weber, PatientFactory(full_name="Jürgen Öztürk"))
    put(plan, local(date(2027, 5, 3), "10:00"))

    response = reception.get(EXPORT, {"start": "2027-05-03", "end": "2027-05-03", "separator": ";"})

    text = response.content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:2] == ["date", "time"]
    assert row[:3] == ["2027-05-03", "10:00", "Jürgen Öztürk"]


def test_the_same_rows_come_as_an_excel_workbook(reception, course, weber):
    from openpyxl import load_workbook

    plan = confirmed_plan(course, weber, PatientFactory(full_name="=HYPERLINK(1)"))
    put(plan, local(date(2027, 5, 3), "10:00"))

    response = reception.get(
        EXPORT, {"start": "2027-05-03", "end": "2027-05-03", "file_format": "xlsx"}
    )

    assert "appointments-2027-05-03-to-2027-05-03.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, row = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert header[0] == "date" and header[-1] == "booked revenue (EUR)"
    assert row[:3] == ["2027-05-03", "10:00", "'=HYPERLINK(1)"]
    assert row[7] == "Booked"
