"""The clinician's dashboard only reads: at most 4 queries whatever it lists, no writes, and on
PostgreSQL one transaction (issue 22). Every list on it has rows here, so a template reaching
for a column the view left out (a query per row) fails the budget."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bookings.models import AppointmentStatus, PlanStatus, Recommendation
from clinical.models import FollowUp
from tests.bookings.test_read_pages import READ_BUDGET, WRITES, read, transactions
from tests.clinical.conftest import sign_in
from tests.factories import PatientFactory

# Outside a test transaction, so that the page's own transaction is what is counted.
pytestmark = pytest.mark.django_db(transaction=True)


def _urgent_answer(make_plan, clinician, number: int) -> None:
    plan = make_plan(
        clinician=clinician,
        patient=PatientFactory(full_name=f"Answering Patient {number}"),
        status=PlanStatus.CONFIRMED,
        first_start=timezone.now() - timedelta(days=3, hours=number),
        sessions=1,
    )
    session = plan.appointments.get()
    session.status = AppointmentStatus.COMPLETED
    session.save()
    FollowUp.objects.create(
        appointment=session,
        token_hash=f"{session.pk:064d}",
        sent_at=timezone.now() - timedelta(days=1),
        expires_at=timezone.now() + timedelta(days=10),
        answered_at=timezone.now(),
        infection="severe",
        urgent=True,
    )


@pytest.mark.parametrize("persona", ["clinician", "manager"])
def test_the_dashboard_reads_in_four_queries_and_one_transaction(
    client, make_plan, clinician, manager, protocol, persona
):
    for number in range(3):
        # Awaiting review, each with a session in the next days (today's and this week's lists).
        make_plan(clinician=clinician, first_start=timezone.now() + timedelta(days=number + 1))
        _urgent_answer(make_plan, clinician, number)
        consultation = make_plan(clinician=clinician, status=PlanStatus.CONFIRMED, sessions=1)
        Recommendation.objects.create(
            consultation=consultation,
            protocol=protocol,
            recommended_by=clinician,
            token_hash=f"{number}" * 64,
        )
    sign_in(client, clinician.user if persona == "clinician" else manager)
    client.get(reverse("clinical:dashboard"))  # the session's first request notes its time

    statements = read(client, reverse("clinical:dashboard"))

    page = client.get(reverse("clinical:dashboard")).text
    assert page.count("Answering Patient") == 3
    assert page.count("Skin renewal") >= 9  # the plans, sessions and follow-ups name it
    assert len(statements) <= READ_BUDGET, [sql for sql, _ in statements]
    assert not [sql for sql, _ in statements if WRITES.match(sql)]
    if connection.vendor == "postgresql":
        assert transactions(statements) == 1
