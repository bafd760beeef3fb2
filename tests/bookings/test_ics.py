"""The calendar file, parsed back with icalendar: zone, one event per visit with a stable UID,
times equal to the appointments, SEQUENCE raised by a change, METHOD:CANCEL for cancelled ones."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from bookings.engine.services import appointment_cancel, appointment_reschedule
from bookings.models import Plan
from bookings.notify.ics import cancellation_calendar, plan_calendar
from tests.bookings.online import book
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(client) -> Plan:
    clinic = seed_small_clinic()
    book(client, clinic.prp_protocol)
    return Plan.objects.select_related("patient", "protocol").get()


def events(ics: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(ics)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_every_visit_is_an_event_in_the_clinics_zone_at_the_booked_time(plan):
    appointments = list(plan.appointments.order_by("sequence"))
    calendar = Calendar.from_ical(plan_calendar(plan, appointments))

    assert str(calendar["method"]) == "PUBLISH"
    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["tzid"]) for zone in zones] == ["Europe/Berlin"]
    parsed = events(plan_calendar(plan, appointments))
    assert len(parsed) == len(appointments) == 3  # preparation visit and two sessions
    for appointment in appointments:
        event = parsed[f"appointment-{appointment.pk}@lumen-skin.example"]
        start = event.decoded("dtstart")
        assert start == appointment.start
        assert event["dtstart"].params["TZID"] == "Europe/Berlin"
        assert event.decoded("dtend") == appointment.end
        assert str(event["status"]) == "CONFIRMED"
    summaries = sorted(str(event["summary"]) for event in parsed.values())
    assert any("Preparation visit (blood draw)" in summary for summary in summaries)


def test_a_moved_visit_keeps_its_uid_and_raises_its_sequence(plan):
    second = plan.appointments.get(sequence=2)
    before = events(plan_calendar(plan, list(plan.appointments.all())))
    uid = f"appointment-{second.pk}@lumen-skin.example"

    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=True):
        moved = appointment_reschedule(
            appointment=second, new_start=second.start + timedelta(days=1)
        )
        after = events(plan_calendar(plan, list(plan.appointments.all())))

    assert set(after) == set(before)
    assert int(after[uid]["sequence"]) > int(before[uid]["sequence"])
    assert after[uid].decoded("dtstart") == moved.start
    # The other visits did not change, so neither did their SEQUENCE.
    for other_uid in set(before) - {uid}:
        assert int(after[other_uid]["sequence"]) == int(before[other_uid]["sequence"])


def test_a_cancelled_visit_is_sent_as_method_cancel_with_the_same_uid(plan):
    second = plan.appointments.get(sequence=2)
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=True):
        appointment_cancel(appointment=second)
    second.refresh_from_db()

    calendar = Calendar.from_ical(cancellation_calendar(plan, [second]))

    assert str(calendar["method"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]) == f"appointment-{second.pk}@lumen-skin.example"
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) > 0
    # The full calendar marks it cancelled too.
    published = events(plan_calendar(plan, list(plan.appointments.all())))
    assert str(published[str(event["uid"])]["status"]) == "CANCELLED"


def test_times_are_local_wall_clock_across_a_zone_change(plan):
    appointment = plan.appointments.first()
    event = next(iter(events(plan_calendar(plan, [appointment])).values()))
    local = appointment.start.astimezone(ZoneInfo("Europe/Berlin"))
    assert event["dtstart"].to_ical().decode() == local.strftime("%Y%m%dT%H%M%S")
