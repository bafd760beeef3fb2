"""Every staff page runs the same number of queries for 5 plans as for 50 (no N+1), within a
small budget."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import PlanStatus
from clinical.models import Photo
from tests.clinical.conftest import sign_in
from tests.factories import TreatmentRecordFactory

pytestmark = pytest.mark.django_db

# Session, user, permissions, the page's own reads, the audit insert, messages.
BUDGET = 16


@pytest.fixture
def grow(make_plan, clinician, patient):
    """Add plans: for the same patient (confirmed, with a record and photos, lot Q-1) and
    for new patients (awaiting review, in the coming days)."""
    made = {"count": 0}

    def grow_to(total: int):
        while made["count"] < total:
            done = make_plan(
                clinician=clinician,
                patient=patient,
                status=PlanStatus.CONFIRMED,
                first_start=timezone.now() - timedelta(days=70),
            )
            session = done.appointments.get(sequence=1)
            TreatmentRecordFactory(appointment=session, recorded_by=clinician, lot_number="Q-1")
            for kind in ("before", "after"):
                Photo.objects.create(
                    appointment=session,
                    kind=kind,
                    area="cheeks",
                    image=f"x/{kind}{session.pk}.jpg",
                    thumbnail=f"x/{kind}{session.pk}t.jpg",
                    width=10,
                    height=10,
                    taken_by=clinician,
                )
            make_plan(clinician=clinician, first_start=timezone.now() + timedelta(days=2))
            made["count"] += 1
        return done

    return grow_to


def pages(plan) -> dict[str, str]:
    session = plan.appointments.get(sequence=1)
    return {
        "dashboard": reverse("clinical:dashboard"),
        "plan": reverse("clinical:plan-detail", args=[plan.pk]),
        "photos": reverse("clinical:plan-photos", args=[plan.pk]),
        "session": reverse("clinical:session-detail", args=[session.pk]),
        "lot recall": reverse("clinical:lot-recall") + "?lot=Q-1",
        "lot csv": reverse("clinical:lot-recall") + "?lot=Q-1&format=csv",
    }


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("persona", ["clinician", "manager"])
def test_every_staff_page_runs_a_fixed_number_of_queries(client, grow, clinician, manager, persona):
    sign_in(client, clinician.user if persona == "clinician" else manager)
    plan = grow(5)
    # The first request of a session also stores the staff session's last-seen time.
    client.get(reverse("clinical:dashboard"))
    small = {name: count_queries(client, url) for name, url in pages(plan).items()}

    grow(50)
    large = {name: count_queries(client, url) for name, url in pages(plan).items()}

    assert large == small
    assert max(large.values()) <= BUDGET, large
