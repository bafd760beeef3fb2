"""The waitlist: a freed time is offered, as a whole course, to one confirmed entry at a time.

Spec (issue 18, items 3–6, docs/waitlist.md), on a clinic with one start a day, all booked.
"""

from datetime import date, timedelta

import pytest
import time_machine

from bookings.engine.errors import ReplacedPlanChanged
from bookings.engine.placing import ConsentEvidence, consent_text_current
from bookings.engine.screening import screening_questions, screening_snapshot
from bookings.engine.services import plan_cancel
from bookings.engine.waitlist import (
    OfferGone,
    offer_claim,
    offers_expire,
    offers_search,
    waitlist_end,
    waitlist_join,
)
from bookings.models import (
    AppointmentStatus,
    OfferStatus,
    OutgoingEmail,
    Plan,
    PlanStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from tests.bookings import waitlist_fixtures
from tests.bookings.waitlist_fixtures import (
    NOW,
    entry_for,
    freed,
    nine,
    run_waitlist_tasks,
)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

# The clinic every test here runs on (tests/bookings/waitlist_fixtures.py).
one_slot_clinic = waitlist_fixtures.one_slot_clinic
frozen = waitlist_fixtures.frozen

MAR = lambda day: date(2027, 3, day)  # noqa: E731


def no_answers(protocol):
    questions = screening_questions(protocol)
    return screening_snapshot(questions, {q.pk: False for q in questions})


def claim(offer, now=None):
    protocol = offer.entry.protocol
    return offer_claim(
        offer=offer,
        answers=no_answers(protocol),
        consent=ConsentEvidence(text=consent_text_current(protocol, "en")),
        now=now,
    )


def offer_emails():
    return list(OutgoingEmail.objects.filter(template="waitlist_offer").order_by("pk"))


def test_a_cancelled_course_is_offered_to_the_oldest_confirmed_entry_and_held_for_it(
    one_slot_clinic, django_capture_on_commit_callbacks
):
    clinic = one_slot_clinic
    unconfirmed = entry_for(clinic.protocol, MAR(3), MAR(8), status=WaitlistStatus.UNVERIFIED)
    oldest = entry_for(clinic.protocol, MAR(3), MAR(8), name="Berta Braun")
    younger = entry_for(clinic.protocol, MAR(3), MAR(8))
    outside_window = entry_for(clinic.protocol, MAR(9), MAR(12))
    with django_capture_on_commit_callbacks(execute=True):
        plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    run_waitlist_tasks()

    (offer,) = WaitlistOffer.objects.all()
    assert offer.entry == oldest
    assert offer.first_start == nine(MAR(5))
    # The course is held for the patient until the offer ends (a held plan blocks the time).
    assert offer.plan.status == PlanStatus.HELD
    assert offer.plan.hold_expires_at == offer.expires_at == NOW + timedelta(minutes=120)
    (email,) = offer_emails()
    assert email.patient == oldest.patient
    assert "/waitlist/offer/" in email.body_text and "/waitlist/leave/" in email.body_text
    assert not unconfirmed.offers.exists()  # never to an unverified entry
    assert not younger.offers.exists() and not outside_window.offers.exists()


def test_an_offer_is_never_sent_for_a_course_that_breaks_its_interval_rules(one_slot_clinic):
    clinic = one_slot_clinic
    # Two sessions 7–8 days apart. 5 March comes free, but 12 and 13 March are booked.
    entry = entry_for(clinic.two_sessions, MAR(3), MAR(6))
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    assert offers_search(freed=freed(clinic.two_sessions)) is None
    assert not WaitlistOffer.objects.exists() and not offer_emails()

    # Once 13 March frees too, the whole course fits — and the offer keeps the rule.
    plan_cancel(plan=clinic.booked[MAR(13)], online=False)
    offer = offers_search(freed=freed(clinic.two_sessions, key="freed-2"))
    visits = list(offer.plan.appointments.order_by("start").values_list("start", flat=True))
    assert offer.entry == entry
    assert visits == [nine(MAR(5)), nine(MAR(13))]


def test_an_entry_is_never_offered_the_same_freed_time_twice(one_slot_clinic):
    clinic = one_slot_clinic
    entry = entry_for(clinic.protocol, MAR(3), MAR(8))
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    first = offers_search(freed=freed(clinic.protocol))
    assert first.entry == entry
    # The task runs again (a retry), or the offer ran out: the same freed time is not re-sent.
    assert offers_search(freed=freed(clinic.protocol)) is None
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        offers_expire()
        assert offers_search(freed=freed(clinic.protocol)) is None
    assert entry.offers.count() == 1 and len(offer_emails()) == 1


def test_claiming_books_the_held_course_with_screening_and_consent_and_fulfils_the_entry(
    one_slot_clinic,
):
    clinic = one_slot_clinic
    entry = entry_for(clinic.protocol, MAR(3), MAR(8))
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    offer = offers_search(freed=freed(clinic.protocol))

    plan = claim(offer)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED and plan.has_consent()
    assert plan.screening_answers.count() == len(no_answers(clinic.protocol))
    assert plan.appointments.get().start == nine(MAR(5))
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.status == OfferStatus.CLAIMED and offer.claimed_at == NOW
    assert entry.status == WaitlistStatus.FULFILLED


def test_an_unclaimed_offer_passes_to_the_next_entry_and_the_first_stays_on_the_list(
    one_slot_clinic,
):
    clinic = one_slot_clinic
    first = entry_for(clinic.protocol, MAR(3), MAR(8))
    second = entry_for(clinic.protocol, MAR(4), MAR(6))
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    offer = offers_search(freed=freed(clinic.protocol))
    assert offer.entry == first

    later = NOW + timedelta(minutes=121)
    with time_machine.travel(later, tick=False):
        assert offers_expire() == 1
        offer.refresh_from_db()
        assert offer.status == OfferStatus.EXPIRED
        passed = second.offers.get()
        assert passed.first_start == nine(MAR(5)) and passed.freed_key == offer.freed_key
        # Too late for the first patient: told plainly, and nothing of theirs is booked.
        with pytest.raises(OfferGone):
            claim(offer, now=later)
    first.refresh_from_db()
    assert first.status == WaitlistStatus.ACTIVE
    assert not Plan.objects.filter(
        patient=first.patient, status__in=[PlanStatus.CONFIRMED, PlanStatus.AWAITING_REVIEW]
    ).exists()


def test_an_entry_has_one_open_offer_and_a_patient_a_limited_number_a_day(
    one_slot_clinic, settings
):
    clinic = one_slot_clinic
    settings.WAITLIST_OFFERS_PER_DAY = 1
    patient = PatientFactory()
    entry = entry_for(clinic.protocol, MAR(3), MAR(10), patient=patient)
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    plan_cancel(plan=clinic.booked[MAR(6)], online=False)
    assert offers_search(freed=freed(clinic.protocol, key="a")).entry == entry
    # A second freed time: this entry already has an open offer.
    assert offers_search(freed=freed(clinic.protocol, key="b")) is None
    # The patient's other entry: over today's limit of offers.
    entry_for(clinic.protocol, MAR(3), MAR(10), patient=patient)
    assert offers_search(freed=freed(clinic.protocol, key="c")) is None
    assert WaitlistOffer.objects.count() == 1


def test_an_entry_ends_once_its_latest_day_has_passed(one_slot_clinic):
    clinic = one_slot_clinic
    entry_for(clinic.protocol, MAR(2), MAR(3))
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    assert offers_search(freed=freed(clinic.protocol)) is None


def test_leaving_or_removal_withdraws_the_open_offer_and_gives_the_time_back(one_slot_clinic):
    clinic = one_slot_clinic
    entry = entry_for(clinic.protocol, MAR(3), MAR(8))
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    offer = offers_search(freed=freed(clinic.protocol))
    waitlist_end(entry=entry)
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.REMOVED
    assert offer.status == OfferStatus.WITHDRAWN
    assert offer.plan.status == PlanStatus.CANCELLED


def test_a_patient_with_a_course_is_moved_earlier_whole_or_not_at_all(one_slot_clinic):
    clinic = one_slot_clinic
    patient = PatientFactory()
    own = clinic.booked.pop(MAR(12))
    Plan.objects.filter(pk=own.pk).update(patient=patient)
    entry = entry_for(clinic.protocol, MAR(2), MAR(14), patient=patient, plan=own)
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    offer = offers_search(freed=freed(clinic.protocol))
    assert offer.entry == entry and offer.first_start == nine(MAR(5))

    new = claim(offer)

    own.refresh_from_db()
    assert new.status == PlanStatus.CONFIRMED
    assert own.status == PlanStatus.CANCELLED
    assert own.appointments.get().status == AppointmentStatus.CANCELLED


def test_a_move_whose_old_course_changed_meanwhile_changes_nothing(one_slot_clinic):
    clinic = one_slot_clinic
    patient = PatientFactory()
    own = clinic.booked.pop(MAR(12))
    Plan.objects.filter(pk=own.pk).update(patient=patient)
    entry = entry_for(clinic.protocol, MAR(2), MAR(14), patient=patient, plan=own)
    plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    offer = offers_search(freed=freed(clinic.protocol))
    # Reception cancels the old course (say, by phone) just before the claim.
    Plan.objects.filter(pk=own.pk).update(status=PlanStatus.DECLINED)

    with pytest.raises(ReplacedPlanChanged):
        claim(offer)

    offer.plan.refresh_from_db()
    entry.refresh_from_db()
    assert offer.plan.status == PlanStatus.HELD and not offer.plan.has_consent()
    assert entry.status == WaitlistStatus.ACTIVE
    current = WaitlistOffer.objects.get(pk=offer.pk)
    assert current.status == OfferStatus.OPEN


def test_a_later_course_is_never_offered_as_an_earlier_start(one_slot_clinic):
    clinic = one_slot_clinic
    patient = PatientFactory()
    own = clinic.booked.pop(MAR(4))
    Plan.objects.filter(pk=own.pk).update(patient=patient)
    entry_for(clinic.protocol, MAR(2), MAR(14), patient=patient, plan=own)
    plan_cancel(plan=clinic.booked[MAR(9)], online=False)
    assert offers_search(freed=freed(clinic.protocol)) is None


def test_joining_queues_one_confirmation_email_and_the_entry_waits_for_it(one_slot_clinic):
    clinic = one_slot_clinic
    patient = PatientFactory(preferred_language="en")
    joined = waitlist_join(
        patient=patient, protocol=clinic.protocol, earliest=MAR(3), latest=MAR(8)
    )
    assert joined.entry.status == WaitlistStatus.UNVERIFIED
    (email,) = OutgoingEmail.objects.filter(template="waitlist_verify")
    assert joined.verify_token in email.body_text and joined.leave_token in email.body_text
    # Only hashes are stored.
    stored = WaitlistEntry.objects.values_list("verify_token_hash", "leave_token_hash").get()
    assert joined.verify_token not in stored and joined.leave_token not in stored


def test_a_freed_time_reaches_the_search_through_the_task_queue(
    one_slot_clinic, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    clinic = one_slot_clinic
    with django_capture_on_commit_callbacks(execute=True):
        plan_cancel(plan=clinic.booked[MAR(5)], online=False)
    (task,) = DBTaskResult.objects.filter(task_path__endswith="waitlist_offer_search")
    assert task.args_kwargs["args"][1] == [clinic.protocol.pk]


def test_the_offer_search_reads_a_fixed_number_of_queries_however_many_wait(
    one_slot_clinic, django_assert_num_queries
):
    clinic = one_slot_clinic
    # Nobody fits (every day is booked): the whole list is searched, in memory.
    for _ in range(3):
        entry_for(clinic.protocol, MAR(3), MAR(8))
    # Which freed plans were offer holds, the entries, today's offers, the calendar (2).
    with django_assert_num_queries(5):
        offers_search(freed=freed(clinic.protocol, key="few"))
    for _ in range(40):
        entry_for(clinic.protocol, MAR(3), MAR(8))
    with django_assert_num_queries(5):
        offers_search(freed=freed(clinic.protocol, key="many"))


def test_time_off_removed_frees_time_for_the_waitlist(
    one_slot_clinic, django_capture_on_commit_callbacks
):
    from bookings.models import TimeOff

    clinic = one_slot_clinic
    entry = entry_for(clinic.protocol, MAR(3), MAR(8))
    # 5 March is free of bookings but the clinician was off: no freeing event until the time
    # off is removed.
    clinic.booked[MAR(5)].appointments.update(status=AppointmentStatus.CANCELLED)
    Plan.objects.filter(pk=clinic.booked[MAR(5)].pk).update(status=PlanStatus.CANCELLED)
    off = TimeOff.objects.create(
        clinician=clinic.clinician, start=nine(MAR(5)), end=nine(MAR(5)) + timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        off.delete()
    run_waitlist_tasks()
    assert entry.offers.get().first_start == nine(MAR(5))
