"""Every report against the hand-computed week of conftest.py."""

from datetime import date, time
from decimal import Decimal

import pytest

from bookings.models import WorkingHours
from reports.selectors import (
    ReportScope,
    attendance_report,
    funnel_report,
    percentile,
    revenue_report,
    turnaround_report,
    utilisation_report,
)
from tests.factories import ClinicianFactory
from tests.reports.conftest import MONDAY, NOW, SUNDAY

pytestmark = pytest.mark.usefixtures("frozen")


def scope(**filters) -> ReportScope:
    return ReportScope(first=MONDAY, last=SUNDAY, **filters)


def test_utilisation_is_booked_over_open_minutes_with_time_off_and_closures_removed(week):
    report = utilisation_report(scope=scope(), now=NOW)

    assert (report.total.open_minutes, report.total.booked_minutes) == (1320, 360)
    assert report.total.share == pytest.approx(360 / 1320)
    by_clinician = {row.label: (row.open_minutes, row.booked_minutes) for row in report.clinicians}
    assert by_clinician == {"Dr. Anna Weber": (840, 240), "Dr. Mehmet Yilmaz": (480, 120)}
    by_day = [(row.open_minutes, row.booked_minutes) for row in report.days]
    assert by_day == [(480, 180), (480, 120), (120, 0), (240, 60), (0, 0), (0, 0), (0, 0)]
    assert [(row.label, row.open_minutes, row.booked_minutes) for row in report.weeks] == [
        ("2027-W09", 1320, 360)
    ]


def test_heat_map_spreads_a_visit_over_the_hours_it_covers(week):
    report = utilisation_report(scope=scope(), now=NOW)
    monday = report.heat[0]

    # Visit 2 runs 10:30–11:30: half of Anna's 10 o'clock hour and half of her 11 o'clock hour.
    assert (monday[10].open_minutes, monday[10].booked_minutes) == (60, 30)
    assert (monday[11].open_minutes, monday[11].booked_minutes) == (60, 30)
    assert (monday[9].open_minutes, monday[9].booked_minutes) == (60, 60)
    # Wednesday 09:00–11:00 was time off; Friday the clinic was closed.
    assert report.heat[2][9].open_minutes == 0
    assert report.heat[2][11].open_minutes == 60
    assert sum(cell.open_minutes for cell in report.heat[4]) == 0


def test_a_clinicians_utilisation_counts_only_their_hours_and_visits(week):
    report = utilisation_report(scope=scope(clinician_id=week.anna.pk), now=NOW)

    assert (report.total.open_minutes, report.total.booked_minutes) == (840, 240)


def test_no_show_rate_and_late_cancellations(week):
    report = attendance_report(scope=scope(), now=NOW)

    total = report.total
    assert (total.attended, total.no_shows, total.cancelled, total.late_cancelled) == (3, 1, 2, 1)
    assert total.unrecorded == 1
    assert total.no_show_rate == pytest.approx(0.25)
    anna = next(row for row in report.clinicians if row.label == "Dr. Anna Weber")
    assert (anna.attended, anna.no_shows, anna.late_cancelled) == (2, 1, 1)
    assert anna.no_show_rate == pytest.approx(1 / 3)


def test_a_lapsed_hold_and_a_plan_awaiting_review_are_not_attendance(week):
    report = attendance_report(scope=scope(clinician_id=week.mehmet.pk), now=NOW)

    assert (report.total.attended, report.total.cancelled, report.total.unrecorded) == (1, 0, 0)


def test_late_depends_on_the_notice_period(week, settings):
    settings.BOOKING_CANCELLATION_NOTICE_HOURS = 12  # visit 4 was cancelled 23 h ahead

    assert attendance_report(scope=scope(), now=NOW).total.late_cancelled == 0


def test_revenue_booked_delivered_lost_and_awaiting_review_apart(week):
    report = revenue_report(scope=scope())

    total = report.total
    assert total.booked == Decimal("1533.33")
    assert total.delivered == Decimal("933.33")
    assert total.lost_cancelled == Decimal("600.00")
    assert total.lost_no_show == Decimal("300.00")
    assert total.awaiting_review == Decimal("300.00")
    by_protocol = {row.label: (row.booked, row.delivered, row.lost) for row in report.protocols}
    assert by_protocol == {
        "Skin renewal": (Decimal("1200.00"), Decimal("600.00"), Decimal("900.00")),
        "Acne laser": (Decimal("333.33"), Decimal("333.33"), Decimal("0")),
    }


def test_review_turnaround_median_and_90th_percentile(week):
    report = turnaround_report(scope=scope())

    assert sorted(report.hours) == [2, 4, 10, 24]
    assert (report.decided, report.approved, report.declined) == (4, 3, 1)
    assert report.median_hours == 7
    assert report.p90_hours == 24
    assert report.waiting_now == 1


def test_a_clinicians_turnaround_is_of_their_own_decisions(week):
    report = turnaround_report(scope=scope(clinician_id=week.anna.pk))

    assert sorted(report.hours) == [2, 4, 24]
    assert report.median_hours == 4


def test_nearest_rank_percentile():
    assert percentile([], 0.9) is None
    assert percentile([5], 0.9) == 5
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 11)), 0.5) == 5


def test_funnel_counts_steps_and_who_left_after_each(week):
    report = funnel_report(scope=scope())

    german = next(row for row in report.rows if row.language == "de")
    assert [
        german.abandoned_after(step) for step in ("started", "times_shown", "details", "held")
    ] == [
        1,
        2,
        1,
        1,
    ]
    assert german.booked == 3
    assert german.conversion == pytest.approx(0.3)
    total = report.total
    assert (total.count("started"), total.count("blocked"), total.count("times_shown")) == (
        13,
        2,
        10,
    )
    assert (total.count("details"), total.count("held"), total.booked) == (6, 4, 3)


@pytest.mark.parametrize(
    ("sunday", "open_minutes"),
    [
        (date(2027, 3, 28), 120),  # spring change: 02:00–02:59 does not exist
        (date(2027, 10, 31), 240),  # autumn change: 02:00–02:59 happens twice
    ],
)
def test_open_time_over_a_daylight_saving_change_is_real_time(db, sunday, open_minutes):
    clinician = ClinicianFactory(display_name="Dr. Night")
    WorkingHours.objects.create(clinician=clinician, weekday=6, start=time(1), end=time(4))

    report = utilisation_report(scope=ReportScope(first=sunday, last=sunday), now=NOW)

    assert report.total.open_minutes == open_minutes
