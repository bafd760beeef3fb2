"""The waitlist's pages, as a patient and reception use them (docs/waitlist.md)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from bookings.engine.services import plan_cancel
from bookings.engine.waitlist import offers_search
from bookings.models import (
    OfferStatus,
    OutgoingEmail,
    PlanStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from tests.bookings import waitlist_fixtures
from tests.bookings.online import screening_post
from tests.bookings.waitlist_fixtures import NOW, entry_for, freed, link_in, nine

pytestmark = pytest.mark.django_db

one_slot_clinic = waitlist_fixtures.one_slot_clinic
frozen = waitlist_fixtures.frozen

MAR = lambda day: date(2027, 3, day)  # noqa: E731


def join(client, protocol, **changes):
    data = {
        "earliest": "2027-03-03",
        "latest": "2027-03-08",
        "clinician": "",
        "time_of_day": "any",
        "full_name": "Berta Braun",
        "email": "berta@example.com",
        "date_of_birth": "1980-05-01",
        **changes,
    }
    return client.post(reverse("bookings:waitlist-join", kwargs={"slug": protocol.slug}), data)


def test_the_times_page_offers_the_waitlist(client, one_slot_clinic):
    protocol = one_slot_clinic.protocol
    session = client.session
    session["booking"] = {"protocol": protocol.pk, "answers": []}
    session.save()
    page = client.get(reverse("bookings:times", kwargs={"slug": protocol.slug}))
    assert "Tell me if an earlier start frees up" in page.content.decode()
    assert (
        reverse("bookings:waitlist-join", kwargs={"slug": protocol.slug}) in page.content.decode()
    )


def test_joining_needs_the_emailed_confirmation_and_a_link_opened_by_a_scanner_confirms_nothing(
    client, one_slot_clinic
):
    page = join(client, one_slot_clinic.protocol)
    assert "Please check your email" in page.content.decode()
    entry = WaitlistEntry.objects.get()
    assert entry.status == WaitlistStatus.UNVERIFIED
    email = OutgoingEmail.objects.get(template="waitlist_verify")
    assert email.to == "berta@example.com"
    confirm = link_in(email, "confirm")

    client.get(confirm)  # a mail scanner, or the patient opening the page
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.UNVERIFIED

    page = client.post(confirm)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.ACTIVE and entry.verified_at == NOW
    assert "You are on the waitlist" in page.content.decode()


def test_a_window_that_ends_before_it_starts_is_refused(client, one_slot_clinic):
    page = join(client, one_slot_clinic.protocol, earliest="2027-03-08", latest="2027-03-03")
    assert "must not be before the earliest" in page.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_guessed_link_does_nothing(client, one_slot_clinic):
    entry_for(one_slot_clinic.protocol, MAR(3), MAR(8), status=WaitlistStatus.UNVERIFIED)
    for name in ("waitlist-verify", "waitlist-leave", "waitlist-claim"):
        page = client.post(reverse(f"bookings:{name}", kwargs={"token": "not-a-token"}))
        assert page.status_code == 404
        assert "This link does not work" in page.content.decode()
    assert WaitlistEntry.objects.get().status == WaitlistStatus.UNVERIFIED


def test_the_offer_email_claims_the_course_and_its_leave_link_ends_the_entry(
    client, one_slot_clinic
):
    clinic = one_slot_clinic
    entry = entry_for(clinic.protocol, MAR(3), MAR(8))
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    offers_search(freed=freed(clinic.protocol))
    email = OutgoingEmail.objects.get(template="waitlist_offer")
    claim = link_in(email, "offer")

    page = client.get(claim)
    assert "These times are held for you until" in page.content.decode()
    consent = page.context["consent"]
    post = {
        **{f"s-{key}": value for key, value in screening_post(clinic.protocol).items()},
        "consent": "on",
        "consent_text": consent.pk,
    }
    page = client.post(claim, post)

    assert "Your earlier course is booked" in page.content.decode()
    offer = WaitlistOffer.objects.get()
    assert offer.status == OfferStatus.CLAIMED
    assert offer.plan.status == PlanStatus.CONFIRMED
    assert offer.plan.appointments.get().start == nine(MAR(5))
    assert OutgoingEmail.objects.filter(template="booking_confirmed", plan=offer.plan).count() == 1
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.FULFILLED


def test_leaving_from_the_offer_email_gives_the_held_time_back(client, one_slot_clinic):
    clinic = one_slot_clinic
    entry = entry_for(clinic.protocol, MAR(3), MAR(8))
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    offer = offers_search(freed=freed(clinic.protocol))
    leave = link_in(OutgoingEmail.objects.get(template="waitlist_offer"), "leave")

    client.post(leave)

    entry.refresh_from_db()
    offer.refresh_from_db()
    assert entry.status == WaitlistStatus.LEFT
    assert offer.status == OfferStatus.WITHDRAWN
    assert offer.plan.status == PlanStatus.CANCELLED


def test_an_expired_offer_link_says_so_kindly(client, one_slot_clinic, frozen):
    clinic = one_slot_clinic
    entry_for(clinic.protocol, MAR(3), MAR(8))
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    offers_search(freed=freed(clinic.protocol))
    claim = link_in(OutgoingEmail.objects.get(template="waitlist_offer"), "offer")
    frozen.move_to(NOW + timedelta(hours=3))
    page = client.get(claim)
    assert page.status_code == 410
    assert "You are still on the waitlist" in page.content.decode()


def test_reception_sees_the_waitlist_with_its_numbers_sends_an_offer_and_removes_an_entry(
    one_slot_clinic, receptionist_client
):
    # (The clinic first: it freezes the clock, so the sign-in happens in the frozen time.)
    clinic = one_slot_clinic
    entry = entry_for(clinic.protocol, MAR(3), MAR(8), name="Berta Braun")
    WaitlistEntry.objects.filter(pk=entry.pk).update(verified_at=NOW)
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    changelist = reverse("admin:bookings_waitlistentry_changelist")

    receptionist_client.post(
        changelist, {"action": "send_offer", "_selected_action": [entry.pk], "index": 0}
    )
    offer = entry.offers.get()
    assert offer.by_hand and offer.first_start == nine(MAR(5))

    page = receptionist_client.get(changelist).content.decode()
    assert "Berta Braun" in page and "Offers sent" in page

    receptionist_client.post(
        changelist, {"action": "remove_entries", "_selected_action": [entry.pk], "index": 0}
    )
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert entry.status == WaitlistStatus.REMOVED and offer.status == OfferStatus.WITHDRAWN


def test_a_patient_with_a_course_asks_for_an_earlier_start_from_the_manage_page(
    client, one_slot_clinic
):
    from bookings.engine.tokens import manage_link_create

    clinic = one_slot_clinic
    own = clinic.booked[MAR(12)]
    token = manage_link_create(plan=own)
    manage = client.get(reverse("bookings:manage", kwargs={"token": token})).content.decode()
    earlier = reverse("bookings:waitlist-earlier", kwargs={"token": token})
    assert earlier in manage

    client.post(earlier, {"earliest": "2027-03-02", "latest": "2027-03-10"})

    entry = WaitlistEntry.objects.get()
    assert entry.plan == own and entry.patient == own.patient
    assert entry.status == WaitlistStatus.ACTIVE  # the manage link proved the address
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    offer = offers_search(freed=freed(clinic.protocol))
    assert offer.entry == entry and offer.first_start == nine(MAR(5))
