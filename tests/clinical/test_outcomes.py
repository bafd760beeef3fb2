"""The outcomes page: Wilson intervals, small groups suppressed, fixed query count, staff only."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import AppointmentStatus, PlanStatus
from clinical.models import AdverseEvent, CourseOutcome, FollowUp
from clinical.outcomes import wilson_interval
from tests.clinical.conftest import sign_in
from tests.factories import PatientFactory, ProtocolFactory, TreatmentRecordFactory

pytestmark = pytest.mark.django_db


def test_the_wilson_interval_matches_the_published_reference_values():
    # Newcombe, Statistics in Medicine 1998;17:857-872, Table I: 81/263 -> 0.2553 to 0.3662;
    # 0/10 -> 0 to 0.2775.
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = wilson_interval(0, 10)
    assert (round(low, 4), round(high, 4)) == (0.0, 0.2775)


@pytest.fixture
def courses(make_plan, clinician):
    """Treated patients of one protocol: each one completed session on lot OUT-1, a follow-up
    (answered by every other patient), an adverse event for the first, an outcome answer."""

    def make(count: int, protocol=None, lot_number: str = "OUT-1") -> None:
        for index in range(count):
            plan = make_plan(
                clinician=clinician,
                patient=PatientFactory(),
                status=PlanStatus.COMPLETED,
                first_start=timezone.now() - timedelta(days=100),
                flagged=False,
                sessions=1,
                plan_protocol=protocol,
            )
            session = plan.appointments.get()
            session.status = AppointmentStatus.COMPLETED
            session.save()
            record = TreatmentRecordFactory(
                appointment=session, recorded_by=clinician, lot_number=lot_number
            )
            FollowUp.objects.create(
                appointment=session,
                token_hash=f"{session.pk:064d}",
                sent_at=timezone.now(),
                expires_at=timezone.now(),
                answered_at=timezone.now() if index % 2 == 0 else None,
            )
            if index == 0:
                AdverseEvent.objects.create(
                    appointment=session,
                    lot=record.lot,
                    onset=timezone.localdate(),
                    description="Swelling",
                    severity="moderate",
                    outcome="resolved",
                    relatedness="possible",
                    reported_by=clinician,
                )
            CourseOutcome.objects.create(
                plan=plan,
                answered_at=timezone.now(),
                impression=4 if index % 3 else 2,
                satisfaction=4,
                would_again=index % 2 == 0,
            )

    return make


def test_a_protocol_with_fewer_than_5_patients_is_shown_as_fewer_than_5(
    client, manager, courses, protocol
):
    courses(6)
    small = ProtocolFactory(name="Rare protocol")
    courses(4, protocol=small, lot_number="OUT-2")
    sign_in(client, manager)

    response = client.get(reverse("clinical:outcomes"))

    page = response.content.decode()
    groups = {group.label: group for group in response.context["by_protocol"]}
    assert groups["Rare protocol"].suppressed and not groups[protocol.name].suppressed
    rare_row = page.split('<th scope="row">Rare protocol</th>', 1)[1].split("</tr>", 1)[0]
    assert "fewer than 5 patients" in rare_row and "%" not in rare_row
    # 1 of 6 sessions with an adverse event: 16.7 per 100, Wilson 3.0 to 56.4.
    assert "16.7 (3.0–56.4)" in page
    assert '<svg class="outcome-chart"' in page and "<desc" in page
    exported = client.get(reverse("clinical:outcomes"), {"format": "csv"}).content.decode()
    rows = {row[1]: row for row in csv.reader(io.StringIO(exported))}
    assert rows["Rare protocol"][2:4] == ["<5", ""]
    assert rows[protocol.name][2:4] == ["6", "6"]


def test_the_page_uses_the_same_number_of_queries_for_small_and_large_data(
    client, manager, courses
):
    sign_in(client, manager)
    courses(5)
    client.get(reverse("clinical:outcomes"))  # the first request of a session looks up more
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("clinical:outcomes"))
    courses(25, lot_number="OUT-3")
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("clinical:outcomes"))
    assert len(response.context["by_lot"]) == 2
    assert len(small.captured_queries) == len(large.captured_queries)


def test_reception_cannot_open_the_outcomes_page(client, receptionist, courses):
    courses(5)
    sign_in(client, receptionist)
    assert client.get(reverse("clinical:outcomes")).status_code == 403
    assert client.get(reverse("clinical:outcomes"), {"format": "csv"}).status_code == 403


def test_adverse_events_on_sessions_completed_without_a_record_do_not_break_the_rate(
    client, manager, courses, protocol, make_plan, clinician
):
    """Reception may complete a visit at the desk without a treatment record, and a clinician may
    then record an adverse event on it. Sessions count from records, so only events on recorded
    sessions count: never more sessions with an event than sessions, and the page never 500s."""
    courses(5, protocol=protocol)
    for _ in range(6):
        plan = make_plan(
            clinician=clinician,
            patient=PatientFactory(),
            status=PlanStatus.COMPLETED,
            first_start=timezone.now() - timedelta(days=50),
            flagged=False,
            sessions=1,
        )
        session = plan.appointments.get()
        session.status = AppointmentStatus.COMPLETED  # "Complete" at the desk: no record
        session.save()
        AdverseEvent.objects.create(
            appointment=session,
            lot=None,
            onset=timezone.localdate(),
            description="Bruising",
            severity="mild",
            outcome="resolved",
            relatedness="possible",
            reported_by=clinician,
        )
    sign_in(client, manager)
    client.raise_request_exception = False
    response = client.get(reverse("clinical:outcomes"))
    assert response.status_code == 200
    group = next(g for g in response.context["by_protocol"] if g.key == protocol.pk)
    assert (group.sessions, group.sessions_with_event) == (5, 1)


@pytest.mark.parametrize(
    "events,sessions",
    [(0, 0), (0, 1), (0, 5), (1, 1), (5, 5), (1000, 1000), (7, 5), (3, 0)],
)
def test_the_wilson_interval_stays_inside_0_and_1_even_with_more_events_than_sessions(
    events, sessions
):
    low, high = wilson_interval(events, sessions)
    assert 0.0 <= low <= high <= 1.0
    if sessions and events == 0:
        assert low == 0.0
    if sessions and events >= sessions:
        assert high == 1.0


def test_the_csv_hides_would_have_it_again_under_5_outcome_answers_as_the_page_does(
    client, manager, courses, protocol
):
    courses(6)
    # Only one of the six patients answered the outcome question, and said "no".
    answered = list(CourseOutcome.objects.order_by("pk"))
    for outcome in answered[1:]:
        outcome.answered_at = None
        outcome.save()
    answered[0].would_again = False
    answered[0].save()
    sign_in(client, manager)
    page = client.get(reverse("clinical:outcomes")).content.decode()
    row = page.split(f'<th scope="row">{protocol.name}</th>', 1)[1].split("</tr>", 1)[0]
    assert "0/1" not in row
    exported = client.get(reverse("clinical:outcomes"), {"format": "csv"}).content.decode()
    header, *rows = csv.reader(io.StringIO(exported))
    csv_row = dict(zip(header, next(r for r in rows if r[1] == protocol.name), strict=True))
    assert csv_row["patients"] == "6"  # the protocol itself is shown
    assert (csv_row["outcome_answers"], csv_row["would_have_it_again"]) == ("<5", "")


def test_a_small_lot_cannot_be_worked_out_by_subtracting_the_shown_lots_from_its_protocol(
    client, manager, courses, protocol
):
    """Protocol = lot BIG-1 (6 patients) + lot TINY-1 (2 patients, one adverse event). TINY-1 is
    under 5; if BIG-1 were shown, the protocol row minus BIG-1 would give TINY-1 exactly."""
    courses(6, protocol=protocol, lot_number="BIG-1")
    courses(2, protocol=protocol, lot_number="TINY-1")
    sign_in(client, manager)
    exported = client.get(reverse("clinical:outcomes"), {"format": "csv"}).content.decode()
    header, *rows = csv.reader(io.StringIO(exported))
    rows = [dict(zip(header, row, strict=True)) for row in rows]
    protocol_row = next(r for r in rows if r["group"] == "protocol" and r["name"] == protocol.name)
    lots = {r["name"].rsplit(" · ", 1)[-1]: r for r in rows if r["group"] == "lot"}
    assert protocol_row["patients"] == "8"  # the protocol is still shown
    assert lots["TINY-1"]["patients"] == "<5"
    assert lots["BIG-1"]["patients"] == "hidden" and lots["BIG-1"]["adverse_events"] == ""
    page = client.get(reverse("clinical:outcomes")).content.decode()
    assert "hidden, so that a smaller group cannot be worked out from the others" in page


def test_a_protocol_with_two_small_lots_hides_no_further_lot(client, manager, courses, protocol):
    courses(6, protocol=protocol, lot_number="BIG-1")
    courses(2, protocol=protocol, lot_number="TINY-1")
    courses(2, protocol=protocol, lot_number="TINY-2")
    sign_in(client, manager)
    by_lot = client.get(reverse("clinical:outcomes")).context["by_lot"]
    assert {group.short_label: group.suppressed for group in by_lot} == {
        "BIG-1": False,
        "TINY-1": True,
        "TINY-2": True,
    }
