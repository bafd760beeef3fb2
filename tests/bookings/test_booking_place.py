"""Placing a booking: one `booking_place()` for every channel, with the same guarantees on each.

Every guarantee is checked on both channels by the same test, parametrised: online (held, then
confirmed with the patient's consent) and by phone (booked at once, consent pending).
"""

from datetime import timedelta

import pytest
import time_machine

from bookings.engine.errors import ConsentMissing, ProposalChanged, ScreeningBlocks
from bookings.engine.patients import (
    PatientDetails,
    normalise_name,
    normalise_phone,
    patient_matches,
)
from bookings.engine.placing import (
    Channel,
    ConsentEvidence,
    booking_place,
    consent_text_current,
    plan_consent_record,
    proposal_new_id,
)
from bookings.engine.planner import course_propose
from bookings.engine.screening import screening_questions, screening_snapshot
from bookings.engine.services import plan_confirm
from bookings.models import (
    ConsentMethod,
    Patient,
    Plan,
    PlanStatus,
    ScreeningAnswer,
    ScreeningOutcome,
)
from clinical import services as clinical_services
from clinical.models import TreatmentRecord
from tests.clinic_data import seed_small_clinic
from tests.factories import LotFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANNELS = [Channel.ONLINE, Channel.PHONE]

MARIA = PatientDetails(
    full_name="Maria Schneider",
    email="maria@example.com",
    phone="030 5550101",
    date_of_birth="1986-04-23",
    preferred_language="en",
)


@pytest.fixture
def clinic():
    return seed_small_clinic()


def answers(protocol, yes_to: str | None = None):
    """The screening as answered: "no" everywhere, or "yes" to the first question with that
    outcome."""
    questions = screening_questions(protocol)
    flagged = next((q for q in questions if q.yes_outcome == yes_to), None)
    return screening_snapshot(questions, {q.pk: q == flagged for q in questions})


def place(channel, protocol, *, proposal=None, screening=None, details=MARIA, patient=None):
    """Place a course as the channel does: online held, then confirmed with the patient's
    consent; by phone at once."""
    common = {
        "channel": channel,
        "protocol": protocol,
        "visits": course_propose(protocol=protocol, online=channel == Channel.ONLINE),
        "proposal_id": proposal or proposal_new_id(),
        "answers": screening if screening is not None else answers(protocol),
        "details": None if patient else details,
        "patient": patient,
    }
    if channel == Channel.ONLINE:
        booking_place(**common, hold=True)
        return booking_place(
            **common, consent=ConsentEvidence(text=consent_text_current(protocol, "en"))
        )
    return booking_place(**common)


@pytest.mark.parametrize("channel", CHANNELS)
def test_placing_the_same_course_twice_gives_one_plan_for_one_patient(clinic, channel):
    proposal = proposal_new_id()

    first = place(channel, clinic.protocol, proposal=proposal)
    second = place(channel, clinic.protocol, proposal=proposal)  # a double click, a retry

    assert first.pk == second.pk
    assert Patient.objects.count() == 1
    assert Plan.objects.count() == 1
    assert first.appointments.count() == clinic.protocol.session_count


def test_the_same_proposal_placed_again_for_another_caller_is_refused_not_given_the_first_plan(
    clinic,
):
    # Reception's page resubmitted (back button, edited fields) for another caller.
    jonas = PatientDetails(
        full_name="Jonas Berg",
        email="jonas@example.com",
        phone="030 5550999",
        date_of_birth="1979-02-03",
        preferred_language="en",
    )
    proposal = proposal_new_id()
    first = place(Channel.PHONE, clinic.protocol, proposal=proposal, details=MARIA)

    with pytest.raises(ProposalChanged):
        place(Channel.PHONE, clinic.protocol, proposal=proposal, details=jonas)

    assert Plan.objects.get() == first and first.patient.full_name == "Maria Schneider"
    assert not Patient.objects.filter(full_name="Jonas Berg").exists()


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_blocking_answer_places_nothing(clinic, channel):
    with pytest.raises(ScreeningBlocks):
        place(channel, clinic.protocol, screening=answers(clinic.protocol, ScreeningOutcome.BLOCK))

    assert not Patient.objects.exists() and not Plan.objects.exists()
    assert not ScreeningAnswer.objects.exists()


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_review_answer_keeps_the_times_for_a_clinician_to_decide(clinic, channel):
    screening = answers(clinic.protocol, ScreeningOutcome.REVIEW)

    plan = place(channel, clinic.protocol, screening=screening)

    assert plan.status == PlanStatus.AWAITING_REVIEW
    assert plan.screening_answers.count() == len(screening)


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_fine_screening_confirms_the_course(clinic, channel):
    plan = place(channel, clinic.protocol)

    assert plan.status == PlanStatus.CONFIRMED and plan.hold_expires_at is None


@pytest.mark.parametrize("channel", CHANNELS)
def test_only_the_patient_consents_and_until_then_nothing_is_approved_or_treated(clinic, channel):
    reviewer = clinic.clinicians[0]
    plan = place(channel, clinic.protocol, screening=answers(clinic.protocol, "review"))

    if channel == Channel.PHONE:
        # Booked "consent pending": reception never consents for the caller.
        assert not plan.has_consent()
        with pytest.raises(ConsentMissing):
            clinical_services.plan_approve(plan=plan, reviewer=reviewer)
        assert Plan.objects.get(pk=plan.pk).status == PlanStatus.AWAITING_REVIEW
        # The patient gives it in person at the desk: recorded with who saw it, and which text.
        desk = UserFactory(username="desk")
        plan = plan_consent_record(
            plan=plan,
            consent=ConsentEvidence(
                text=consent_text_current(clinic.protocol, "en"),
                method=ConsentMethod.IN_PERSON,
                recorded_by_id=desk.pk,
            ),
        )
        assert (plan.consent_method, plan.consent_recorded_by_id) == ("in_person", desk.pk)
    else:
        assert (plan.consent_method, plan.consent_recorded_by_id) == ("online", None)
    assert (
        plan.consent_text == consent_text_current(clinic.protocol, "en")
        and plan.consented_at is not None
    )

    approved = clinical_services.plan_approve(plan=plan, reviewer=reviewer)

    assert approved.status == PlanStatus.CONFIRMED


def test_reception_cannot_pass_a_consent_with_a_phone_booking(clinic):
    with pytest.raises(ValueError, match="Only the patient consents"):
        booking_place(
            channel=Channel.PHONE,
            protocol=clinic.protocol,
            visits=course_propose(protocol=clinic.protocol, online=False),
            proposal_id=proposal_new_id(),
            answers=answers(clinic.protocol),
            details=MARIA,
            consent=ConsentEvidence(text=consent_text_current(clinic.protocol, "en")),
        )
    assert not Plan.objects.exists()


def test_nobody_records_a_treatment_on_a_course_without_consent(clinic):
    plan = place(Channel.PHONE, clinic.protocol)
    first = plan.appointments.order_by("start").first()
    details = clinical_services.TreatmentDetails(
        lot=LotFactory(lot_number="X1", expiry_date=(first.start + timedelta(days=365)).date()),
        areas=["cheeks"],
        needle_depth_mm=1,
        passes=2,
    )

    with time_machine.travel(first.start + timedelta(minutes=5)), pytest.raises(ConsentMissing):
        clinical_services.treatment_record_complete(
            appointment=first, clinician=first.clinician, details=details
        )

    assert not TreatmentRecord.objects.exists()
    first.refresh_from_db()
    assert first.status == "booked"


def test_an_approval_in_the_engine_needs_consent_too(clinic):
    plan = place(Channel.PHONE, clinic.protocol, screening=answers(clinic.protocol, "review"))

    with pytest.raises(ConsentMissing):
        plan_confirm(plan=plan, reviewer=clinic.clinicians[0])


def test_confirming_online_a_course_that_is_not_held_is_refused(clinic):
    """The page's proposal is no longer held (another tab chose other times): nothing books."""
    protocol = clinic.protocol
    with pytest.raises(ProposalChanged):
        booking_place(
            channel=Channel.ONLINE,
            protocol=protocol,
            visits=course_propose(protocol=protocol),
            proposal_id=proposal_new_id(),
            answers=answers(protocol),
            details=MARIA,
            consent=ConsentEvidence(text=consent_text_current(protocol, "en")),
        )
    assert not Plan.objects.exists() and not Patient.objects.exists()


def test_a_returning_visitor_online_is_the_same_patient_and_their_record_is_unchanged(clinic):
    existing = Patient.objects.create(
        full_name="Maria Schneider",
        email="Maria@Example.com",
        phone="030 5550101",
        date_of_birth="1986-04-23",
        preferred_language="de",
    )
    typed = PatientDetails(
        full_name="M. Schneider (typo)",
        email="maria@example.com",
        phone="",
        date_of_birth="1986-04-23",
        preferred_language="tr",
    )

    plan = place(Channel.ONLINE, clinic.protocol, details=typed)

    assert plan.patient_id == existing.pk
    existing.refresh_from_db()
    # Only a link sent to their email may change what is stored about them.
    assert (existing.full_name, existing.preferred_language) == ("Maria Schneider", "de")


# --- the same person again: normalised names and phone numbers -----------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("  Jürgen   MÜLLER ", "jürgen müller"),
        ("Ａｙşe Kaya", "ayşe kaya"),  # full-width letters (NFKC)
        ("Sofia\u00a0Rossi", "sofia rossi"),  # a no-break space
    ],
)
def test_names_compare_after_nfkc_case_folding_and_collapsed_spaces(typed, stored):
    assert normalise_name(typed) == stored


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("  Ayşe   YILMAZ ", "ayşe yılmaz"),  # capital I of a dotless ı
        ("İPEK IŞIK", "ipek ışık"),  # capital İ of a dotted i
    ],
)
def test_turkish_names_typed_in_capitals_compare_equal_to_the_written_name(typed, stored):
    assert normalise_name(typed) == normalise_name(stored)


def test_a_phone_booking_is_offered_the_turkish_patient_typed_in_capitals(db):
    stored = PatientFactory(
        full_name="Ayşe Yılmaz", email="ayse@example.com", phone="", date_of_birth="1980-01-02"
    )
    caller = PatientDetails(
        full_name="AYŞE YILMAZ",
        email="",
        phone="",
        date_of_birth="1980-01-02",
        preferred_language="tr",
    )

    assert [match.patient for match in patient_matches(caller)] == [stored]


@pytest.mark.parametrize(
    "typed", ["030 5550101", "+49 30 5550101", "0049 (30) 555-01-01", "+49-30-555 0101"]
)
def test_phone_numbers_compare_in_e164_with_the_clinics_country_as_default(typed, settings):
    settings.CLINIC_COUNTRY = "DE"
    assert normalise_phone(typed) == "+49305550101"


def test_a_phone_number_that_is_not_one_is_not_compared():
    assert normalise_phone("call me") == ""
    assert normalise_phone("") == ""


def test_the_normalised_columns_follow_every_save(db):
    patient = Patient.objects.create(
        full_name="Ayla  YILDIZ", email="a@example.com", date_of_birth="1990-01-01"
    )
    assert patient.name_normalised == "ayla yildiz" and patient.phone_normalised == ""

    patient.phone = "+49 30 5550102"
    patient.save(update_fields=["phone"])

    stored = Patient.objects.values_list("phone_normalised", flat=True).get(pk=patient.pk)
    assert stored == "+49305550102"
