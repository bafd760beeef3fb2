"""The front desk's calendar: the day and week grid, the late flag and strip, the visit panel and
its actions through the services, cancelling with a reason, the print sheets, booking from an
empty slot, and a fixed number of queries whatever the week holds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import EVERY_DAY, confirmed_plan, put
from tests.factories import ClinicianFactory, PatientFactory

pytestmark = pytest.mark.django_db

CALENDAR = reverse("admin:bookings_appointment_calendar")
WEDNESDAY = date(2027, 3, 10)


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
