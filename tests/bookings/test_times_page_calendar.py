"""The times page reads the calendar once per request (issue 22: it read it twice, once to find
the first free day from the patient's date and again for the proposal from that day)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.engine.rules import local_date
from tests.bookings.online import answer_screening, url
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db


def calendar_reads(queries: CaptureQueriesContext) -> int:
    """Each calendar starts by reading the clinicians' working hours."""
    return sum('"bookings_workinghours"' in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize("chosen", [False, True])
def test_a_search_from_a_later_date_reads_the_calendar_once(client, chosen):
    clinic = seed_small_clinic()
    protocol = clinic.protocol
    answer_screening(client, protocol)
    second = clinic.clinicians[1]
    earliest = timezone.localdate() + timedelta(days=10)
    search = {"clinician": second.pk if chosen else "", "earliest": earliest.isoformat()}

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("times", protocol), search)

    visits = response.context["visits"]
    assert local_date(visits[0]["start"]) == earliest
    if chosen:
        assert visits[0]["clinician"] == second.display_name
    assert calendar_reads(queries) == 1
