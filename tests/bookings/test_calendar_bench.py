"""`make bench` measures the front desk's week view (docs/performance.md, "Calendar week view"):
10 clinicians, 2 devices and 400 visits, through the test Client as a signed-in reception user,
within its query budget, and fails when the budget is missed."""

from __future__ import annotations

import pytest
from django.db import connection

from benchmarks.reception_calendar import WEEK_VIEW_QUERIES, calendar_week_view
from benchmarks.scenarios import NOW, timed

pytestmark = pytest.mark.django_db


def run(timed=timed) -> list[dict]:
    rows: list[dict] = []

    def emit(name: str, numbers: str, budget: str, ok: bool | None) -> None:
        rows.append({"name": name, "numbers": numbers, "budget": budget, "ok": ok})

    calendar_week_view(now=NOW, emit=emit, timed=timed, reset_database=lambda: None)
    return rows


def test_the_week_view_of_400_visits_is_measured_within_its_query_budget():
    rows = run()

    clinic = f"10 clinicians, 2 devices, 400 visits ({connection.vendor})"
    assert [row["name"] for row in rows] == [
        f"Calendar week view, one clinician's week: {clinic}",
        f"Calendar week view, everyone: {clinic}",
    ]
    for row in rows:
        queries = int(row["numbers"].split()[0])
        assert 0 < queries <= WEEK_VIEW_QUERIES, row
        assert row["budget"] == f"<= {WEEK_VIEW_QUERIES} queries, median < 1000 ms"


def test_a_week_view_slower_than_its_budget_fails_the_bench():
    def too_slow(work, repeat):
        work()
        return 5000.0, 5000.0, 0

    rows = run(timed=too_slow)

    assert [row["ok"] for row in rows] == [False, False]
