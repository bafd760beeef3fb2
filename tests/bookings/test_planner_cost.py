"""The planner's cost follows its search, not the horizon (issue 22): it reads the busy times of
the weeks the search reaches, one query a week, never the appointments far ahead."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.engine import availability
from bookings.engine.planner import course_propose
from bookings.engine.rules import course_problems
from tests.bookings.conftest import MONDAY, NOW, at, days_after

pytestmark = pytest.mark.django_db


def busy_reads(queries: CaptureQueriesContext) -> int:
    return sum("'booked'" in query["sql"] for query in queries.captured_queries)


def propose(protocol, horizon_days: int, settings):
    settings.BOOKING_HORIZON_DAYS = horizon_days
    with CaptureQueriesContext(connection) as queries:
        proposal = course_propose(protocol=protocol, now=NOW)
    return proposal, queries


def test_a_course_reads_only_the_three_weeks_its_visits_fall_in(
    protocol, clinician, occupy, settings, monkeypatch
):
    # Far beyond the course: a year of appointments the search never reaches.
    for week in range(10, 52):
        occupy(clinician, at(days_after(MONDAY, 7 * week + 2), "10:00"))
    rows_read = []

    def recording(**kwargs):
        rows = original(**kwargs)
        rows_read.extend(rows)
        return rows

    original = availability._busy_rows
    monkeypatch.setattr(availability, "_busy_rows", recording)

    proposal, queries = propose(protocol, 365, settings)

    assert course_problems(protocol, proposal) == []
    assert [(visit.day - MONDAY).days // 7 for visit in proposal] == [0, 3, 6]
    assert rows_read == []
    assert busy_reads(queries) == 3


def test_a_longer_horizon_costs_the_same_queries(protocol, clinician, occupy, settings):
    occupy(clinician, at(days_after(MONDAY, 1), "09:00"), minutes=8 * 60)  # day 1 is full

    short, short_queries = propose(protocol, 90, settings)
    long, long_queries = propose(protocol, 730, settings)

    assert short == long
    assert short[0].day == days_after(MONDAY, 2)
    assert len(short_queries) == len(long_queries)


def test_a_busy_week_reached_later_in_the_search_is_respected(
    protocol, clinician, occupy, settings
):
    # Session 2's earliest day (21 days after session 1) is taken all day: the search reads
    # that week when it gets there and moves the session to the next free day.
    first_day = days_after(MONDAY, 1)
    occupy(clinician, at(first_day + timedelta(days=21), "09:00"), minutes=8 * 60)

    proposal, _queries = propose(protocol, 90, settings)

    assert proposal[0].day == first_day
    assert proposal[1].day == first_day + timedelta(days=22)
    assert course_problems(protocol, proposal) == []
