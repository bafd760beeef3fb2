"""Compiled queries (common/compiled.py): built and compiled once per shape, run again with new
values, and giving exactly what the built queryset gives."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.db.models import Count, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bookings.models import Appointment, Plan, PlanStatus
from common.compiled import compiled
from tests.factories import PatientFactory, ProtocolFactory

pytestmark = pytest.mark.django_db

builds: list[dict] = []


@compiled
def visits_of(*, clinician_id: int | None, after: datetime) -> QuerySet[Appointment]:
    builds.append({"clinician_id": clinician_id, "after": after})
    if clinician_id is None:
        return Appointment.objects.none()
    return (
        Appointment.objects.filter(clinician_id=clinician_id, start__gt=after)
        .select_related("plan__patient")
        .order_by("start")
    )


@compiled
def plans_with_visits(*, clinician_id: int) -> QuerySet[Plan]:
    return (
        Plan.objects.filter(clinician_id=clinician_id)
        .annotate(visits=Count("appointments"))
        .order_by("pk")
    )


@pytest.fixture(autouse=True)
def _fresh_shapes():
    for query in (visits_of, plans_with_visits):
        query.clear()
    builds.clear()


def test_rows_are_what_the_built_queryset_gives_for_each_call_s_values(
    make_plan, clinician, other_clinician
):
    now = timezone.now()
    mine = make_plan(clinician=clinician, first_start=now + timedelta(days=2))
    theirs = make_plan(clinician=other_clinician, first_start=now + timedelta(days=3))

    for who, when in [
        (clinician, now),
        (other_clinician, now),
        (clinician, now + timedelta(days=40)),
        (other_clinician, now + timedelta(days=100)),
    ]:
        rows = visits_of.rows(clinician_id=who.pk, after=when)

        assert rows == list(visits_of.build(clinician_id=who.pk, after=when))
    assert [v.plan for v in visits_of.rows(clinician_id=clinician.pk, after=now)] == [mine] * 3
    assert [v.sequence for v in visits_of.rows(clinician_id=other_clinician.pk, after=now)] == [
        1,
        2,
        3,
    ]
    assert visits_of.rows(clinician_id=other_clinician.pk, after=now)[0].plan == theirs
    assert [
        v.sequence
        for v in visits_of.rows(clinician_id=clinician.pk, after=now + timedelta(days=40))
    ] == [3]


def test_a_shape_is_built_twice_once_then_run_with_one_query_and_related_rows_loaded(
    make_plan, clinician, other_clinician
):
    make_plan(clinician=clinician, patient=PatientFactory(full_name="Ida Berg"))
    visits_of.rows(clinician_id=other_clinician.pk, after=timezone.now())
    assert len(builds) == 2  # the two compilations that find where the values go

    with CaptureQueriesContext(connection) as queries:
        rows = visits_of.rows(clinician_id=clinician.pk, after=timezone.now())
        names = [visit.plan.patient.full_name for visit in rows]

    assert len(builds) == 2
    assert names == ["Ida Berg"] * 3
    assert len(queries) == 1


def test_annotations_come_with_the_rows(make_plan, clinician):
    plan = make_plan(clinician=clinician, sessions=2)

    [row] = plans_with_visits.rows(clinician_id=clinician.pk)

    assert (row, row.visits) == (plan, 2)


def test_none_chooses_a_shape_of_its_own_here_one_that_matches_nothing(make_plan, clinician):
    make_plan(clinician=clinician)

    with CaptureQueriesContext(connection) as queries:
        assert visits_of.rows(clinician_id=None, after=timezone.now()) == []
        assert visits_of.rows(clinician_id=None, after=timezone.now()) == []

    assert len(queries) == 0
    assert len(visits_of.rows(clinician_id=clinician.pk, after=timezone.now())) == 3


def test_the_language_is_part_of_the_shape():
    """A translated field's lookup is rewritten for the active language when the queryset is
    built (django-modeltranslation): German order must not be served from the English SQL."""
    ProtocolFactory(name_en="Alpha", name_de="Zeta", slug="a")
    ProtocolFactory(name_en="Beta", name_de="Eta", slug="b")

    @compiled
    def by_name(*, minimum: int) -> QuerySet:
        from treatments.models import Protocol

        return Protocol.objects.filter(session_count__gte=minimum).order_by("name")

    with translation.override("en"):
        assert [p.name_en for p in by_name.rows(minimum=1)] == ["Alpha", "Beta"]
    with translation.override("de"):
        assert [p.name_en for p in by_name.rows(minimum=1)] == ["Beta", "Alpha"]


def test_a_changed_setting_compiles_again(settings, make_plan, clinician):
    visits_of.rows(clinician_id=clinician.pk, after=timezone.now())
    settings.CLINICAL_REVIEW_URGENT_HOURS = 12

    visits_of.rows(clinician_id=clinician.pk, after=timezone.now())

    assert len(builds) == 4


@pytest.mark.django_db(transaction=True)
def test_another_thread_runs_on_its_own_connection(make_plan, clinician):
    make_plan(clinician=clinician)
    visits_of.rows(clinician_id=clinician.pk, after=timezone.now())
    seen: list = []

    def other_thread() -> None:
        try:
            with CaptureQueriesContext(connections["default"]) as queries:
                seen.append(len(visits_of.rows(clinician_id=clinician.pk, after=timezone.now())))
            seen.append(len(queries))
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()

    assert seen == [3, 1]


# --- What is refused ------------------------------------------------------------------------


def test_a_time_taken_inside_the_function_is_refused_not_frozen(clinician):
    @compiled
    def upcoming(*, clinician_id: int) -> QuerySet:
        return Appointment.objects.filter(clinician_id=clinician_id, start__gt=timezone.now())

    with pytest.raises(ImproperlyConfigured, match="varies but is not an argument"):
        upcoming.rows(clinician_id=clinician.pk)


def test_a_value_that_does_not_reach_the_parameters_is_refused(clinician):
    @compiled
    def visits(*, clinician_id: int, page: int) -> QuerySet:
        return Appointment.objects.filter(clinician_id=clinician_id)

    with pytest.raises(ImproperlyConfigured, match="page did not reach"):
        visits.rows(clinician_id=clinician.pk, page=2)


def test_sql_that_changes_with_a_value_is_refused(clinician):
    @compiled
    def first_few(*, clinician_id: int, count: int) -> QuerySet:
        return Appointment.objects.filter(clinician_id=clinician_id)[:count]

    @compiled
    def odd_or_even(*, clinician_id: int) -> QuerySet:
        rows = Appointment.objects.filter(clinician_id=clinician_id)
        return rows.filter(sequence=1) if clinician_id % 2 else rows

    for query in (first_few, odd_or_even):
        with pytest.raises(ImproperlyConfigured, match="the SQL changes with a value"):
            query.rows(clinician_id=clinician.pk, **({"count": 5} if query is first_few else {}))


def test_locking_reads_are_refused(clinician):
    @compiled
    def locked(*, clinician_id: int) -> QuerySet:
        return Appointment.objects.filter(clinician_id=clinician_id).select_for_update()

    with pytest.raises(ImproperlyConfigured, match="only read"):
        locked.rows(clinician_id=clinician.pk)


@pytest.mark.parametrize(
    "after", ["2026-01-01", datetime(2026, 1, 1), 1.5], ids=["text", "naive", "float"]
)
def test_values_of_other_types_are_refused(clinician, after):
    with pytest.raises(TypeError):
        visits_of.rows(clinician_id=clinician.pk, after=after)


def test_the_status_constant_stays_a_constant(make_plan, clinician):
    """Constants the function writes in (a status) are kept from the compilation, not mistaken
    for a value."""
    make_plan(clinician=clinician, status=PlanStatus.CONFIRMED)
    awaiting = make_plan(clinician=clinician)

    @compiled
    def awaiting_of(*, clinician_id: int) -> QuerySet:
        return Plan.objects.filter(clinician_id=clinician_id, status=PlanStatus.AWAITING_REVIEW)

    assert awaiting_of.rows(clinician_id=clinician.pk) == [awaiting]
