"""Phone bookings in the admin: the planner's course, adjusted among valid times, booked with
`plan_book(online=False)`; clashes and broken course rules refused with the public message and
nothing written; screening on the phone, with review exactly as online."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.db import DatabaseError
from django.urls import reverse

from bookings.engine import placing
from bookings.engine.errors import ConsentMissing
from bookings.models import (
    Appointment,
    ConsentMethod,
    OutgoingEmail,
    Patient,
    Plan,
    PlanStatus,
    ScreeningAnswer,
    ScreeningOutcome,
    ScreeningQuestion,
)
from clinical import services as clinical_services
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import (
    confirmed_plan,
    put,
    today,
)
from tests.factories import ConsentTextFactory, PatientFactory

pytestmark = pytest.mark.django_db

BOOK = reverse("admin:bookings_appointment_book")


@pytest.fixture
def caller(db):
    return PatientFactory(full_name="Maria Schneider", email="maria@example.com")


@pytest.fixture
def questions(db):
    ScreeningQuestion.objects.all().delete()  # only this test's questions
    return {
        "pregnant": ScreeningQuestion.objects.create(
            text="Are you pregnant?", yes_outcome=ScreeningOutcome.BLOCK, position=1
        ),
        "blood": ScreeningQuestion.objects.create(
            text="Do you take blood thinners?", yes_outcome=ScreeningOutcome.REVIEW, position=2
        ),
    }


def propose(client, patient, protocol, *, earliest=None, clinician=None):
    """Reception fills in the form and shows the course (a POST: no personal data in URLs)."""
    return client.post(
        BOOK,
        {
            "step": "show",
            "patient": patient.pk,
            "protocol": protocol.pk,
            "clinician": clinician.pk if clinician else "",
            "earliest": (earliest or today() + timedelta(days=2)).isoformat(),
        },
    )


def chosen_start(row) -> datetime:
    """The start of the time selected in a visit's list ("<clinician id>|<POSIX seconds>")."""
    return datetime.fromtimestamp(int(row.selected.split("|")[1]), tz=UTC)


def booking_data(page, answers: dict | None = None, **changes) -> dict:
    """What the page posts when reception presses "Book": its fields as shown, plus answers."""
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["patient"] = form["patient"].value() or ""
    for row in page.context["rows"]:
        data[f"day-{row.sequence}"] = row.day.isoformat()
        data[f"visit-{row.sequence}"] = row.selected
    for question in page.context["questions"]:
        data[f"q-{question.pk}"] = (answers or {}).get(question.pk, "no")
    data["proposal"] = page.context["proposal"]
    data.update(changes)
    return data


def test_the_page_proposes_the_whole_course_from_the_earliest_date(
    reception, caller, course, weber
):
    earliest = today() + timedelta(days=3)

    page = propose(reception, caller, course, earliest=earliest)

    rows = page.context["rows"]
    assert [row.sequence for row in rows] == [1, 2, 3]
    assert rows[0].day == earliest
    assert 21 <= (rows[1].day - rows[0].day).days <= 35
    assert all(row.selected for row in rows)
    assert "Session 3 of 3" in page.text
    assert not Plan.objects.exists()  # proposing writes nothing


def test_booking_the_proposed_course_confirms_it_at_once(
    reception, caller, course, weber, questions
):
    page = propose(reception, caller, course)

    response = reception.post(BOOK, booking_data(page), follow=True)

    plan = Plan.objects.get(patient=caller)
    assert plan.status == PlanStatus.CONFIRMED
    assert plan.hold_expires_at is None
    assert plan.appointments.count() == 3
    starts = list(plan.appointments.order_by("sequence").values_list("start", flat=True))
    assert starts == [chosen_start(row) for row in page.context["rows"]]
    assert ScreeningAnswer.objects.filter(plan=plan).count() == 2
    assert LogEntry.objects.get(object_id=str(plan.pk)).get_change_message() == "Booked by phone."
    confirmation = OutgoingEmail.objects.get(plan=plan)
    assert confirmation.template == "booking_confirmed"
    assert confirmation.to == "maria@example.com"
    assert "Booked Skin renewal for Maria Schneider" in response.text
    assert response.redirect_chain[-1][0] == reverse(
        "admin:bookings_patient_change", args=[caller.pk]
    )


def test_a_time_taken_meanwhile_is_refused_with_the_public_message_and_nothing_written(
    reception, caller, course, weber, questions
):
    page = propose(reception, caller, course, clinician=weber)
    taken_start = chosen_start(page.context["rows"][0])
    put(confirmed_plan(course, weber), taken_start)  # another caller, on another line
    appointments_before = Appointment.objects.count()

    response = reception.post(BOOK, booking_data(page))

    assert response.status_code == 200
    assert "That time was just taken. Please choose another time." in response.text
    assert not Plan.objects.filter(patient=caller).exists()
    assert Appointment.objects.count() == appointments_before
    assert not ScreeningAnswer.objects.exists()
    # What reception chose is still on the page.
    assert page.context["rows"][1].selected in response.text


def test_a_course_that_breaks_the_interval_rules_is_refused_the_same_way(
    reception, caller, course, weber, questions
):
    page = propose(reception, caller, course)
    rows = page.context["rows"]
    # Session 2 only a week after session 1, at the same time of day.
    day_two = rows[0].day + timedelta(days=7)
    moved = reception.post(
        BOOK,
        {**booking_data(page), "step": "show", f"day-{rows[1].sequence}": day_two.isoformat()},
    )
    second = moved.context["rows"][1]
    assert second.day == day_two and second.selected

    response = reception.post(BOOK, booking_data(moved))

    assert "Session 2 must be at least 21 days after session 1" in response.text
    assert not Plan.objects.filter(patient=caller).exists()
    assert not Appointment.objects.exists()


def test_a_review_answer_sends_the_course_to_clinician_review(
    reception, caller, course, weber, questions
):
    page = propose(reception, caller, course)

    response = reception.post(BOOK, booking_data(page, {questions["blood"].pk: "yes"}), follow=True)

    plan = Plan.objects.get(patient=caller)
    assert plan.status == PlanStatus.AWAITING_REVIEW
    flagged = ScreeningAnswer.objects.get(plan=plan, answer=True)
    assert flagged.question_text == "Do you take blood thinners?"
    assert flagged.outcome == ScreeningOutcome.REVIEW
    assert "needs a clinician" in response.text
    assert "Do you take blood thinners?" not in response.text  # reception never sees answers


def test_a_blocking_answer_books_nothing(reception, caller, course, weber, questions):
    page = propose(reception, caller, course)

    response = reception.post(BOOK, booking_data(page, {questions["pregnant"].pk: "yes"}))

    assert "cannot be booked before a clinician has seen the patient" in response.text
    assert not Plan.objects.exists()
    assert not ScreeningAnswer.objects.exists()


def test_unanswered_screening_books_nothing_and_keeps_the_answers_given(
    reception, caller, course, weber, questions
):
    page = propose(reception, caller, course)
    data = booking_data(page)
    del data[f"q-{questions['pregnant'].pk}"]

    response = reception.post(BOOK, data)

    assert "Please record an answer to every screening question." in response.text
    assert not Plan.objects.exists()
    assert f'name="q-{questions["blood"].pk}" value="no" checked' in response.text


def test_a_new_caller_is_created_with_the_booking_and_not_left_behind_when_refused(
    reception, course, weber, questions
):
    details = {
        "full_name": "Jonas Becker",
        "email": "jonas@example.com",
        "phone": "+49 170 1",
        "date_of_birth": "1990-05-04",
        "preferred_language": "de",
        "protocol": course.pk,
        "clinician": weber.pk,
        "earliest": (today() + timedelta(days=2)).isoformat(),
    }
    page = reception.post(BOOK, {**details, "step": "show"})
    data = booking_data(page)
    blocker = put(confirmed_plan(course, weber), chosen_start(page.context["rows"][0]))

    refused = reception.post(BOOK, data)
    assert "That time was just taken" in refused.text
    assert not Patient.objects.filter(email="jonas@example.com").exists()

    blocker.delete()
    reception.post(BOOK, data)
    patient = Patient.objects.get(email="jonas@example.com")
    assert patient.preferred_language == "de"
    assert Plan.objects.get(patient=patient).status == PlanStatus.CONFIRMED


def test_a_new_caller_needs_name_email_and_date_of_birth(reception, course, weber):
    page = reception.post(
        BOOK, {"step": "show", "protocol": course.pk, "earliest": today().isoformat()}
    )

    assert page.context["rows"] == []
    assert "Needed for a new patient." in page.text
    assert not Patient.objects.exists()


def test_reception_finds_a_returning_caller_on_the_page(reception, caller):
    PatientFactory(full_name="Someone Else")

    found = reception.get(BOOK, {"find": "Schneider"})
    chosen = reception.get(BOOK, {"patient": caller.pk})

    assert f"?patient={caller.pk}" in found.text
    assert "Someone Else" not in found.text
    assert chosen.context["patient"] == caller
    assert "maria@example.com" in chosen.text


def test_a_find_with_a_nul_character_searches_without_it(reception, caller):
    # PostgreSQL text cannot hold NUL: the term is searched without it, never a server error.
    found = reception.get(BOOK, {"find": "Schnei\x00der"})
    assert found.status_code == 200
    assert f"?patient={caller.pk}" in found.text


def test_a_find_of_only_a_nul_character_lists_no_patient(reception, caller):
    found = reception.get(BOOK, {"find": "\x00"})
    assert found.status_code == 200
    assert f"?patient={caller.pk}" not in found.text


def test_a_patient_id_that_is_not_a_number_shows_the_empty_form(reception, caller):
    response = reception.get(BOOK, {"patient": "1 OR 1=1"})

    assert response.status_code == 200
    assert response.context["patient"] is None


def test_a_form_error_keeps_the_chosen_patient_on_the_page(reception, caller, course):
    response = reception.post(
        BOOK, {"step": "show", "patient": caller.pk, "protocol": course.pk, "earliest": ""}
    )

    assert response.context["patient"] == caller
    assert "This field is required." in response.text
    assert f'name="patient" value="{caller.pk}"' in response.text


# --- the same caller again, and consent (engine.placing) ----------------------------------------


def new_caller_page(reception, course, weber, **details):
    return reception.post(
        BOOK,
        {
            "step": "show",
            "full_name": "Maria Schneider",
            "email": "maria@example.com",
            "phone": "",
            "date_of_birth": "1986-04-23",
            "preferred_language": "en",
            "protocol": course.pk,
            "clinician": weber.pk,
            "earliest": (today() + timedelta(days=2)).isoformat(),
            **details,
        },
    )


@pytest.mark.parametrize(
    "typed",
    [
        {"email": "MARIA@example.com"},  # the same email
        {"email": "m.schneider@example.org", "phone": "+49 30 5550101"},  # the same phone
        {"email": "other@example.org", "full_name": "  maria   SCHNEIDER "},  # name + birthday
    ],
)
def test_a_caller_who_may_be_a_patient_is_offered_as_that_patient_not_created_again(
    reception, course, weber, questions, typed
):
    existing = PatientFactory(
        full_name="Maria Schneider",
        email="maria@example.com",
        phone="030 5550101",
        date_of_birth="1986-04-23",
    )
    confirmed_plan(course, weber, existing)
    page = new_caller_page(reception, course, weber, **typed)

    response = reception.post(BOOK, booking_data(page))

    assert "Is the caller one of these patients?" in response.text
    assert f'name="same_patient" value="{existing.pk}"' in response.text
    assert "Skin renewal" in response.text  # with the visits they already have
    assert Patient.objects.count() == 1
    assert Plan.objects.count() == 1  # only the existing patient's course

    # Reception confirms with the caller that it is them: booked for the existing record.
    response = reception.post(BOOK, {**booking_data(page), "same_patient": existing.pk})

    assert Patient.objects.count() == 1
    assert Plan.objects.filter(patient=existing).count() == 2


def test_a_second_record_for_a_matching_caller_needs_an_explicit_choice(
    reception, course, weber, questions
):
    PatientFactory(full_name="Maria Schneider", email="maria@example.com")
    page = new_caller_page(reception, course, weber)

    reception.post(BOOK, {**booking_data(page), "same_patient": "new"})

    assert Patient.objects.filter(email="maria@example.com").count() == 2
    assert Plan.objects.count() == 1


def test_a_phone_booking_is_consent_pending_and_cannot_be_approved_until_the_patient_consents(
    reception, caller, course, weber, questions
):
    page = propose(reception, caller, course)
    reception.post(BOOK, booking_data(page, {questions["blood"].pk: "yes"}))
    plan = Plan.objects.get(patient=caller)
    assert plan.status == PlanStatus.AWAITING_REVIEW
    assert plan.consent_text_id is None  # reception did not (and cannot) consent for her

    with pytest.raises(ConsentMissing):
        clinical_services.plan_approve(plan=plan, reviewer=weber)

    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.AWAITING_REVIEW
    email = OutgoingEmail.objects.get(plan=plan)
    assert "/consent/" in email.body_text  # the link to read and accept it online


def test_reception_records_consent_given_in_person_with_who_and_which_version(
    reception, reception_user, caller, course, weber, questions
):
    text = ConsentTextFactory(language="en", version=3)
    page = propose(reception, caller, course)
    reception.post(BOOK, booking_data(page))
    plan = Plan.objects.get(patient=caller)
    visit = plan.appointments.order_by("start").first()
    change_page = reception.get(reverse("admin:bookings_appointment_change", args=[visit.pk]))
    assert "The patient consented in person" in change_page.text

    reception.post(
        reverse("admin:bookings_appointment_status", args=[visit.pk]),
        {"action": "consent_in_person"},
    )

    plan.refresh_from_db()
    assert plan.consent_text == text
    assert plan.consent_method == ConsentMethod.IN_PERSON
    assert plan.consent_recorded_by == reception_user
    assert plan.consented_at is not None


# --- a phone booking that cannot be finished is taken back, never a 500 ----------------------


def test_a_phone_booking_that_fails_midway_leaves_no_plan_and_no_new_caller(
    reception, course, weber, phone_questions, monkeypatch
):
    """One transaction places the course with its answers: a failure leaves nothing behind."""
    details = {
        "full_name": "Jonas Becker",
        "email": "jonas@example.com",
        "date_of_birth": "1990-05-04",
        "preferred_language": "de",
        "protocol": course.pk,
        "clinician": weber.pk,
        "earliest": (today() + timedelta(days=2)).isoformat(),
    }
    page = reception.post(BOOK, {**details, "step": "show"})
    data = booking_data(page)

    def fail(**kwargs):
        raise DatabaseError()

    monkeypatch.setattr(placing, "screening_answers_save", fail)

    response = reception.post(BOOK, data)

    assert response.status_code == 200
    assert "Nothing was booked" in response.text
    assert not Patient.objects.filter(email="jonas@example.com").exists()
    assert not Plan.objects.exists()
    assert not Appointment.objects.exists()
    assert not OutgoingEmail.objects.exists()

    monkeypatch.undo()
    reception.post(BOOK, data)  # trying again books once, for one new patient
    patient = Patient.objects.get(email="jonas@example.com")
    assert Plan.objects.get(patient=patient).status == PlanStatus.CONFIRMED
    assert patient.plans.get().screening_answers.count() == 2


@pytest.fixture
def phone_caller(db):
    return PatientFactory(full_name="Maria Schneider", email="maria@example.com")


@pytest.fixture
def phone_questions(db):
    ScreeningQuestion.objects.all().delete()  # only this test's questions
    return {
        "pregnant": ScreeningQuestion.objects.create(
            text="Are you pregnant?", yes_outcome=ScreeningOutcome.BLOCK, position=1
        ),
        "blood": ScreeningQuestion.objects.create(
            text="Do you take blood thinners?", yes_outcome=ScreeningOutcome.REVIEW, position=2
        ),
    }
