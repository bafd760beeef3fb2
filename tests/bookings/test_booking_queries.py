"""Every booking page runs the same number of queries with a little or a lot of data."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.engine.rules import clinic_zone
from bookings.models import Appointment, AppointmentKind, Plan, PlanStatus, ScreeningQuestion
from bookings.notify.emails import emails_send_due
from tests.bookings.online import DETAILS, consent_post, screening_post, url, with_proposal
from tests.clinic_data import seed_small_clinic
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

# The most any page of the flow may run: session, protocol, the calendar's three reads, the
# clinicians, and the page's own rows. Holding and confirming also lock, re-check and write
# (every transaction and savepoint counts as a query here).
BUDGET = 16
# Confirming also counts the booking funnel's last step (one upsert, issue 21). Holding also
# takes the proposal's lock (one placing per proposal, issue 16; an advisory lock on PostgreSQL)
# and gives back an earlier hold of the same email (one held course per email, issue 21).
WRITE_BUDGET = {"hold": 26, "confirm": 33}


def queries(client: Client, method: str, address: str, data: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(address, data or {})
    assert response.status_code in (200, 302), (address, response.status_code)
    return len(captured)


def walk(protocol, email: str) -> dict[str, int]:
    cache.clear()  # each walk from a cold cache: the protocol is read through it (issue 22)
    client = Client()
    counts = {
        "screening": queries(client, "get", url("start", protocol)),
        "screening post": queries(client, "post", url("start", protocol), screening_post(protocol)),
        "times": queries(client, "get", url("times", protocol)),
        "change visit": queries(client, "get", url("change-visit", protocol, sequence=2)),
        "details": queries(client, "get", url("details", protocol)),
        "hold": queries(
            client,
            "post",
            url("details", protocol),
            with_proposal(client, {**DETAILS, "email": email}),
        ),
        "review": queries(client, "get", url("review", protocol)),
    }
    counts["confirm"] = queries(
        client, "post", url("review", protocol), consent_post(client, protocol)
    )
    counts["done"] = queries(client, "get", url("done"))
    emails_send_due()
    token = re.search(r"/manage/([\w-]+)/", mail.outbox[-1].body).group(1)
    plan = Plan.objects.filter(patient__email=email).get()
    third = plan.appointments.get(sequence=3)
    counts["manage"] = queries(client, "get", url("manage", token=token))
    counts["manage move"] = queries(client, "get", url("manage-move", token=token, pk=third.pk))
    counts["manage cancel"] = queries(
        client, "get", url("manage-cancel-visit", token=token, pk=third.pk)
    )
    counts["calendar"] = queries(client, "get", url("manage-calendar", token=token))
    counts["new link"] = queries(client, "get", url("manage-new-link"))
    return counts


def crowd_the_calendar(clinic, days: int = 90) -> None:
    """A late appointment for every clinician on every day, of other patients' plans.

    At 20:00, when the shifts (08:00–20:00) have ended: rows for every read to scan, never in
    the way of the first walk's course, wherever the clock put that course (at 19:00 it once
    overlapped a visit booked at 18:30)."""
    zone = clinic_zone()
    today = timezone.localdate()
    patient = PatientFactory()
    for clinician in clinic.clinicians:
        plans = Plan.objects.bulk_create(
            Plan(
                patient=patient,
                protocol=clinic.protocol,
                clinician=clinician,
                status=PlanStatus.CONFIRMED,
            )
            for _day in range(1, days)
        )
        Appointment.objects.bulk_create(
            Appointment(
                plan=plan,
                kind=AppointmentKind.SESSION,
                sequence=1,
                start=datetime.combine(today + timedelta(days=day), time(20), tzinfo=zone),
                end=datetime.combine(today + timedelta(days=day), time(20, 30), tzinfo=zone),
                clinician=clinician,
                status="cancelled" if day % 2 else "booked",
            )
            for day, plan in enumerate(plans, start=1)
        )
    for number in range(20):
        ScreeningQuestion.objects.create(text=f"Extra question {number}?", yes_outcome="fine")


def test_every_booking_page_runs_a_fixed_number_of_queries():
    clinic = seed_small_clinic()
    small = walk(clinic.protocol, "first@example.com")
    crowd_the_calendar(clinic)
    large = walk(clinic.protocol, "second@example.com")

    assert large == small
    over = {page: count for page, count in large.items() if count > WRITE_BUDGET.get(page, BUDGET)}
    assert not over, f"over the budget: {over}"
    print("queries per page:", small)  # for the report (pytest -s)
