"""Journey (b) of issue 18 in a real browser: patient B joins the waitlist and confirms it,
patient A cancels, B gets the offer email, claims it and is booked on the earlier course; an
offer nobody claims is released (its held course stops blocking, its link says so kindly)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from bookings import demo
from bookings.engine.rules import clinic_zone, local_date
from bookings.engine.services import plan_cancel
from bookings.engine.waitlist import offers_expire
from bookings.models import (
    Appointment,
    OfferStatus,
    OutgoingEmail,
    PlanStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from tests.bookings.waitlist_fixtures import entry_for, occupy, run_waitlist_tasks
from tests.e2e.conftest import axe_check
from tests.factories import ClinicianFactory, ProtocolFactory


@pytest.fixture
def busy_clinic(live_server):
    """One 09:00 start a day, every day booked by someone else for the whole horizon."""
    protocol = ProtocolFactory(
        name="Single renewal",
        slug="single-renewal",
        session_count=1,
        min_interval_days=1,
        max_interval_days=1,
    )
    clinician = ClinicianFactory(
        display_name="Dr. Anna Weber",
        protocols=[protocol],
        hours=[(day, time(9), time(10)) for day in range(7)],
    )
    demo.seed_screening()
    demo.seed_consent()
    today = local_date(timezone.now())
    booked = {}
    for offset in range(2, 20):
        day = today + timedelta(days=offset)
        booked[offset] = occupy(protocol, clinician, day)
    return protocol, booked, today


def path_in(email: OutgoingEmail, kind: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/\S*/waitlist/{kind}/[^/\s]+/)", email.body_text)
    assert match, email.body_text
    return match.group(1)


def test_a_waitlisted_patient_claims_a_freed_course_and_an_unclaimed_offer_is_released(
    page, live_server, busy_clinic, django_capture_on_commit_callbacks
):
    protocol, booked, today = busy_clinic
    with translation.override("en"):
        join_url = reverse("bookings:waitlist-join", kwargs={"slug": protocol.slug})

    # B joins from the waitlist page (linked from the times page) …
    page.goto(live_server.url + join_url)
    page.fill("#id_earliest", (today + timedelta(days=3)).isoformat())
    page.fill("#id_latest", (today + timedelta(days=8)).isoformat())
    page.fill("#id_full_name", "Berta Braun")
    page.fill("#id_email", "berta@example.com")
    page.fill("#id_date_of_birth", "1980-05-01")
    axe_check(page, "waitlist: join")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    assert page.locator("h1").inner_text() == "Please check your email"
    entry = WaitlistEntry.objects.get()
    assert entry.status == WaitlistStatus.UNVERIFIED

    # … and confirms from the email.
    confirm = OutgoingEmail.objects.get(template="waitlist_verify")
    page.goto(live_server.url + path_in(confirm, "confirm"))
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    assert page.locator("h1").inner_text() == "You are on the waitlist"
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.ACTIVE

    # A cancels the course on day 5: after the commit the search runs (the worker's task).
    plan_cancel(plan=booked[5], online=False)
    run_waitlist_tasks()
    offer_email = OutgoingEmail.objects.get(template="waitlist_offer")
    assert offer_email.patient == entry.patient
    page.goto(live_server.url + path_in(offer_email, "offer"))
    axe_check(page, "waitlist: claim")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.check("#id_consent")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    assert page.locator("h1").inner_text() == "Your earlier course is booked"

    offer = WaitlistOffer.objects.get(entry=entry)
    assert offer.status == OfferStatus.CLAIMED
    assert offer.plan.status == PlanStatus.CONFIRMED
    day5 = datetime.combine(today + timedelta(days=5), time(9), tzinfo=clinic_zone())
    assert offer.plan.appointments.get().start == day5
    assert OutgoingEmail.objects.filter(template="booking_confirmed", plan=offer.plan).exists()

    # Another patient's offer nobody claims: released when it ends.
    other = entry_for(protocol, today + timedelta(days=3), today + timedelta(days=8))
    plan_cancel(plan=booked[6], online=False)
    run_waitlist_tasks()
    unclaimed = WaitlistOffer.objects.get(entry=other)
    later = unclaimed.expires_at + timedelta(minutes=1)
    offers_expire(now=later)
    unclaimed.refresh_from_db()
    assert unclaimed.status == OfferStatus.EXPIRED
    assert not Appointment.objects.blocking(later).filter(plan=unclaimed.plan).exists()
    # The patient who let it run out is told kindly, and stays on the list.
    late_email = OutgoingEmail.objects.get(template="waitlist_offer", patient=other.patient)
    page.goto(live_server.url + path_in(late_email, "offer"))
    assert page.locator("h1").inner_text() == "These times are no longer free"
    assert "You are still on the waitlist" in page.content()
    other.refresh_from_db()
    assert other.status == WaitlistStatus.ACTIVE
