"""Two waitlisted patients claim the same freed course at once (PostgreSQL: real row locks).

Patient A's offer ran out and the same times were passed to patient B. A (late, in one tab) and
B (in two tabs at once) claim together: B is booked once, A is told kindly, and the time holds
exactly one visit.
"""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection

from bookings.engine.placing import ConsentEvidence, consent_text_current
from bookings.engine.screening import screening_questions, screening_snapshot
from bookings.engine.services import plan_cancel
from bookings.engine.waitlist import offer_claim, offers_expire, offers_search
from bookings.models import (
    Appointment,
    AppointmentStatus,
    OfferStatus,
    PlanStatus,
    WaitlistOffer,
    WaitlistStatus,
)
from tests.bookings import waitlist_fixtures
from tests.bookings.test_concurrency import run_at_once
from tests.bookings.waitlist_fixtures import NOW, entry_for, freed, nine

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and exclusion constraints exist only on PostgreSQL (CI runs them)",
    ),
]

one_slot_clinic = waitlist_fixtures.one_slot_clinic
frozen = waitlist_fixtures.frozen

MARCH_5 = date(2027, 3, 5)


def claim(offer):
    protocol = offer.entry.protocol
    questions = screening_questions(protocol)
    return offer_claim(
        offer=offer,
        answers=screening_snapshot(questions, {q.pk: False for q in questions}),
        consent=ConsentEvidence(text=consent_text_current(protocol, "en")),
    )


def test_two_patients_claiming_one_freed_course_at_once_get_one_booking_and_one_refusal(
    one_slot_clinic, frozen
):
    clinic = one_slot_clinic
    first = entry_for(clinic.protocol, MARCH_5, MARCH_5)
    second = entry_for(clinic.protocol, MARCH_5, MARCH_5)
    plan_cancel(plan=clinic.booked[MARCH_5], online=False)
    offer_a = offers_search(freed=freed(clinic.protocol))
    assert offer_a.entry == first

    # Nobody claims within the offer's time: it is passed to the next entry.
    frozen.move_to(NOW + timedelta(minutes=121))
    assert offers_expire() == 1
    offer_b = second.offers.get()
    assert offer_b.first_start == offer_a.first_start == nine(MARCH_5)

    offers = [offer_a, offer_b, offer_b]
    outcomes = run_at_once(3, lambda i: claim(offers[i]))

    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds == {"booked": 2, "OfferGone": 1}, outcomes
    assert outcomes[0][0] == "OfferGone"
    assert "you are still on the waitlist" in outcomes[0][1].message
    booked = {value.pk for kind, value in outcomes if kind == "booked"}
    assert len(booked) == 1  # B's two tabs: one plan
    on_the_time = Appointment.objects.blocking(NOW + timedelta(minutes=121)).filter(
        start=nine(MARCH_5)
    )
    assert on_the_time.count() == 1
    assert on_the_time.get().plan.patient == second.patient
    assert on_the_time.get().plan.status == PlanStatus.CONFIRMED
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.ACTIVE and second.status == WaitlistStatus.FULFILLED
    assert WaitlistOffer.objects.get(pk=offer_a.pk).status == OfferStatus.EXPIRED
    assert WaitlistOffer.objects.get(pk=offer_b.pk).status == OfferStatus.CLAIMED
    assert not Appointment.objects.filter(
        plan__patient=first.patient, status=AppointmentStatus.BOOKED, plan__status="confirmed"
    ).exists()
