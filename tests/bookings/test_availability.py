"""Free start times: one test per availability rule, and a fixed number of queries."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.engine.availability import Calendar, free_start_times
from bookings.models import Clinician, Device, PlanStatus, TimeOff, Weekday, WorkingHours
from tests.bookings.conftest import BERLIN, MONDAY, NOW, at, days_after, hhmm
from tests.factories import ClinicianFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = days_after(MONDAY, 2)


def starts(protocol, day, **kwargs) -> list[str]:
    return hhmm(free_start_times(protocol=protocol, day=day, now=kwargs.pop("now", NOW), **kwargs))


def quarter_hours(first: str, last: str) -> list[str]:
    day = WEDNESDAY
    moment, end = at(day, first), at(day, last)
    times = []
    while moment <= end:
        times.append(moment.strftime("%H:%M"))
        moment += timedelta(minutes=15)
    return times


def test_starts_lie_inside_working_hours_and_leave_room_for_the_whole_session(protocol):
    ClinicianFactory(protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(9), time(12))])

    assert starts(protocol, WEDNESDAY) == quarter_hours("09:00", "11:00")


def test_no_starts_on_a_day_without_working_hours(protocol):
    ClinicianFactory(protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(9), time(12))])

    assert starts(protocol, days_after(WEDNESDAY, 1)) == []


def test_a_split_shift_offers_nothing_during_the_break(protocol):
    ClinicianFactory(
        protocols=[protocol],
        hours=[
            (Weekday.WEDNESDAY, time(9), time(11)),
            (Weekday.WEDNESDAY, time(13), time(15)),
        ],
    )

    assert starts(protocol, WEDNESDAY) == [
        *quarter_hours("09:00", "10:00"),
        *quarter_hours("13:00", "14:00"),
    ]


def test_only_clinicians_who_perform_the_protocol_are_offered(protocol, laser_protocol):
    ClinicianFactory(protocols=[laser_protocol], hours=[(Weekday.WEDNESDAY, time(9), time(12))])

    assert starts(protocol, WEDNESDAY) == []


def test_clinician_time_off_blocks_only_that_clinician(protocol):
    on_leave = ClinicianFactory(
        protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(9), time(12))]
    )
    TimeOff.objects.create(
        clinician=on_leave, start=at(WEDNESDAY, "10:00"), end=at(WEDNESDAY, "11:00")
    )

    assert starts(protocol, WEDNESDAY) == ["09:00", "11:00"]

    colleague = ClinicianFactory(
        protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(9), time(12))]
    )
    assert starts(protocol, WEDNESDAY, clinician=colleague) == quarter_hours("09:00", "11:00")


def test_a_clinic_closure_blocks_every_clinician(protocol):
    for _ in range(2):
        ClinicianFactory(protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(9), time(17))])
    TimeOff.objects.create(
        clinician=None,
        start=at(WEDNESDAY, "00:00"),
        end=at(days_after(WEDNESDAY, 1), "00:00"),
        reason="Public holiday",
    )

    assert starts(protocol, WEDNESDAY) == []
    assert starts(protocol, days_after(WEDNESDAY, 7)) != []


def test_the_buffer_keeps_time_free_before_and_after_an_appointment(protocol, occupy, settings):
    settings.BOOKING_BUFFER_MINUTES = 10
    clinician = ClinicianFactory(
        protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(8), time(13))]
    )
    occupy(clinician, at(WEDNESDAY, "10:00"), minutes=60)

    # A new 60-minute session must end 10 minutes before 10:00 and start 10 minutes after 11:00.
    assert starts(protocol, WEDNESDAY) == [
        *quarter_hours("08:00", "08:45"),
        *quarter_hours("11:15", "12:00"),
    ]


def test_without_a_buffer_appointments_may_be_back_to_back(protocol, occupy, settings):
    settings.BOOKING_BUFFER_MINUTES = 0
    clinician = ClinicianFactory(
        protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(9), time(12))]
    )
    occupy(clinician, at(WEDNESDAY, "10:00"), minutes=60)

    assert starts(protocol, WEDNESDAY) == ["09:00", "11:00"]


def test_a_cancelled_appointment_frees_its_time(protocol, occupy):
    clinician = ClinicianFactory(
        protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(9), time(12))]
    )
    appointment = occupy(clinician, at(WEDNESDAY, "09:00"), minutes=180)
    assert starts(protocol, WEDNESDAY) == []

    appointment.status = "cancelled"
    appointment.save()

    assert starts(protocol, WEDNESDAY) == quarter_hours("09:00", "11:00")


def test_an_expired_hold_frees_its_time_but_a_live_hold_does_not(protocol, occupy):
    clinician = ClinicianFactory(
        protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(9), time(10))]
    )
    occupy(
        clinician,
        at(WEDNESDAY, "09:00"),
        status=PlanStatus.HELD,
        hold_expires_at=NOW + timedelta(minutes=5),
    )

    assert starts(protocol, WEDNESDAY, now=NOW) == []
    assert starts(protocol, WEDNESDAY, now=NOW + timedelta(minutes=6)) == ["09:00"]


def test_online_bookings_respect_the_lead_time_but_reception_does_not(protocol, settings):
    settings.BOOKING_LEAD_TIME_HOURS = 24
    ClinicianFactory(
        protocols=[protocol],
        hours=[(Weekday.MONDAY, time(9), time(12)), (Weekday.TUESDAY, time(9), time(12))],
    )
    now = at(MONDAY, "10:20")
    tuesday = days_after(MONDAY, 1)

    assert starts(protocol, tuesday, now=now) == quarter_hours("10:30", "11:00")
    assert starts(protocol, tuesday, now=now, online=False)[0] == "09:00"
    assert starts(protocol, MONDAY, now=now, online=False) == quarter_hours("10:30", "11:00")


def test_nothing_is_offered_beyond_the_horizon(protocol, settings):
    settings.BOOKING_HORIZON_DAYS = 90
    ClinicianFactory(protocols=[protocol], hours=[(day, time(9), time(12)) for day in range(7)])

    assert starts(protocol, days_after(MONDAY, 90)) != []
    assert starts(protocol, days_after(MONDAY, 91)) == []


def test_a_laser_busy_with_one_clinician_is_not_offered_to_another(
    laser_protocol, protocol, laser, occupy, settings
):
    settings.BOOKING_BUFFER_MINUTES = 0
    hours = [(Weekday.WEDNESDAY, time(9), time(12))]
    anna = ClinicianFactory(protocols=[laser_protocol, protocol], hours=hours)
    mehmet = ClinicianFactory(protocols=[laser_protocol, protocol], hours=hours)
    occupy(anna, at(WEDNESDAY, "09:00"), minutes=60, device=laser)

    # Mehmet is free all morning, but the only laser is in Anna's room from 9 to 10.
    assert starts(laser_protocol, WEDNESDAY, clinician=mehmet) == quarter_hours("10:00", "11:00")
    # Microneedling needs no laser, so his morning stays open for it.
    assert starts(protocol, WEDNESDAY, clinician=mehmet) == quarter_hours("09:00", "11:00")


def test_a_laser_protocol_without_a_working_laser_offers_nothing(laser_protocol, laser):
    ClinicianFactory(protocols=[laser_protocol], hours=[(Weekday.WEDNESDAY, time(9), time(12))])
    laser.active = False
    laser.save()

    assert starts(laser_protocol, WEDNESDAY) == []


def test_a_preparation_visit_needs_no_laser(laser_protocol, laser, occupy):
    laser_protocol.source = "msc_own_adipose"
    laser_protocol.preparation_minutes = 90
    laser_protocol.lab_lead_days = 21
    laser_protocol.save()
    hours = [(Weekday.WEDNESDAY, time(9), time(12))]
    ClinicianFactory(protocols=[laser_protocol], hours=hours)
    occupy(ClinicianFactory(protocols=[laser_protocol]), at(WEDNESDAY, "09:00"), 180, device=laser)

    preparation = free_start_times(protocol=laser_protocol, day=WEDNESDAY, sequence=0, now=NOW)

    assert hhmm(preparation) == quarter_hours("09:00", "10:30")
    assert {opening.minutes for opening in preparation} == {90}
    assert starts(laser_protocol, WEDNESDAY) == []


def test_a_ten_oclock_start_stays_ten_oclock_across_the_spring_dst_change(protocol):
    ClinicianFactory(protocols=[protocol], hours=[(day, time(10), time(11)) for day in range(7)])
    saturday, sunday = date.fromisoformat("2027-03-27"), date.fromisoformat("2027-03-28")

    before = free_start_times(protocol=protocol, day=saturday, now=NOW)
    after = free_start_times(protocol=protocol, day=sunday, now=NOW)

    assert hhmm(before) == hhmm(after) == ["10:00"]
    assert before[0].start.astimezone(BERLIN).utcoffset() == timedelta(hours=1)
    assert after[0].start.astimezone(BERLIN).utcoffset() == timedelta(hours=2)
    assert after[0].end.astimezone(BERLIN).strftime("%H:%M") == "11:00"


def test_a_shift_spanning_the_autumn_dst_change_keeps_wall_clock_starts(protocol, settings):
    # 31 October 2027: clocks go back from 03:00 to 02:00, so 00:00–06:00 lasts seven hours.
    ClinicianFactory(protocols=[protocol], hours=[(Weekday.SUNDAY, time(0), time(6))])
    now = at(date.fromisoformat("2027-10-20"), "08:00")

    openings = free_start_times(protocol=protocol, day=date.fromisoformat("2027-10-31"), now=now)

    local = hhmm(openings)
    assert local[0] == "00:00"
    assert local[-1] == "05:00"
    assert len({opening.start for opening in openings}) == len(openings)
    # Sessions are a real hour long even when they span the repeated hour.
    assert all(opening.end - opening.start == timedelta(hours=1) for opening in openings)


def test_the_hour_skipped_by_the_spring_change_offers_no_start(protocol):
    # 28 March 2027: clocks jump from 02:00 to 03:00, so a 01:00–05:00 shift is three hours.
    ClinicianFactory(protocols=[protocol], hours=[(Weekday.SUNDAY, time(1), time(5))])

    openings = free_start_times(protocol=protocol, day=date.fromisoformat("2027-03-28"), now=NOW)

    assert hhmm(openings) == [*quarter_hours("01:00", "01:45"), *quarter_hours("03:00", "04:00")]
    assert len({opening.start for opening in openings}) == len(openings)


# docs/performance.md: listing a day's free start times runs at most 6 queries, the same number
# whatever the number of appointments that day.
DAY_LISTING_QUERY_BUDGET = 6


def test_listing_a_day_runs_the_same_few_queries_however_full_the_day(
    protocol, laser_protocol, laser, occupy, settings
):
    settings.BOOKING_BUFFER_MINUTES = 0
    clinicians = [
        ClinicianFactory(
            protocols=[protocol, laser_protocol], hours=[(Weekday.WEDNESDAY, time(8), time(20))]
        )
        for _ in range(3)
    ]
    counts = {}
    filled = 0
    for appointments in (0, 9, 36):
        for index in range(filled, appointments):
            occupy(
                clinicians[index % 3],
                at(WEDNESDAY, "08:00") + timedelta(minutes=20 * (index // 3)),
                minutes=20,
                device=laser if index % 3 == 0 else None,
            )
        filled = appointments
        with CaptureQueriesContext(connection) as queries:
            openings = free_start_times(protocol=laser_protocol, day=WEDNESDAY, now=NOW)
        counts[appointments] = len(queries)
        assert openings, "the day still has free time"

    assert len(set(counts.values())) == 1, counts
    assert counts[36] <= DAY_LISTING_QUERY_BUDGET


def test_the_calendar_reads_the_shifts_and_devices_the_querysets_define(
    protocol, laser_protocol, laser
):
    """Calendar reads shifts and devices in one raw query (issue 22); it must pick exactly what
    `of_clinicians_performing()` and `for_procedure()` state, for treatments and consultations."""
    performer = ClinicianFactory(
        protocols=[laser_protocol],
        hours=[(Weekday.WEDNESDAY, time(13), time(17)), (Weekday.WEDNESDAY, time(8), time(12))],
    )
    ClinicianFactory(protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(8), time(12))])
    ClinicianFactory(
        protocols=[laser_protocol], active=False, hours=[(Weekday.MONDAY, time(8), time(9))]
    )
    ClinicianFactory(protocols=[laser_protocol])  # no working hours: offers nothing
    Device.objects.create(name="Old laser", procedure=laser.procedure, active=False)
    Device.objects.create(name="Second laser", procedure=laser.procedure)
    Device.objects.create(name="Other machine", procedure="microneedling")

    def from_querysets(hours):
        shifts = {}
        for clinician_id, weekday, start, end in hours.order_by("start").values_list(
            "clinician_id", "weekday", "start", "end"
        ):
            shifts.setdefault((clinician_id, weekday), []).append((start, end))
        return shifts

    for chosen, expected_hours in (
        (laser_protocol, WorkingHours.objects.of_clinicians_performing(laser_protocol)),
        (protocol, WorkingHours.objects.of_clinicians_performing(protocol)),
    ):
        calendar = Calendar(protocol=chosen, first_day=WEDNESDAY, last_day=WEDNESDAY, now=NOW)
        assert dict(calendar.shifts) == from_querysets(expected_hours)
        expected_devices = (
            list(
                Device.objects.for_procedure(chosen.procedure)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if chosen.needs_device
            else []
        )
        assert calendar.device_ids == expected_devices
    assert dict(calendar.shifts) != {}  # the plain protocol's performer has a shift
    assert (
        performer.pk
        in Calendar(
            protocol=laser_protocol, first_day=WEDNESDAY, last_day=WEDNESDAY, now=NOW
        ).clinician_names
    )

    # A consultation: the given clinicians, if active, whatever they perform.
    every = list(Clinician.objects.values_list("pk", flat=True))
    consultation = Calendar(
        protocol=None, first_day=WEDNESDAY, last_day=WEDNESDAY, now=NOW, clinician_ids=every
    )
    expected = WorkingHours.objects.filter(clinician__active=True, clinician_id__in=every)
    assert dict(consultation.shifts) == from_querysets(expected)
    assert consultation.device_ids == []
    nobody = Calendar(
        protocol=None, first_day=WEDNESDAY, last_day=WEDNESDAY, now=NOW, clinician_ids=[]
    )
    assert dict(nobody.shifts) == {}


def test_a_calendar_without_a_protocol_or_clinicians_offers_nobody(protocol):
    """`protocol=None` is a consultation whose clinicians are exactly `clinician_ids`: without
    them it offers nobody (as the querysets did: `clinician_id__in=[]`), never every active
    clinician of the clinic, whatever they do."""
    ClinicianFactory(protocols=[protocol], hours=[(Weekday.WEDNESDAY, time(9), time(12))])

    calendar = Calendar(protocol=None, first_day=WEDNESDAY, last_day=WEDNESDAY, now=NOW)

    assert dict(calendar.shifts) == {}
    assert calendar.clinician_ids == []
