"""The screening rule shared by online booking and reception: which questions, what answers mean."""

import pytest
from django.utils import translation

from bookings import demo
from bookings.engine.screening import (
    flagged,
    screening_answers_save,
    screening_outcome,
    screening_questions,
    screening_snapshot,
)
from bookings.models import Plan, ScreeningAnswer, ScreeningOutcome, ScreeningQuestion
from tests.factories import ClinicianFactory, PatientFactory, ProtocolFactory

pytestmark = pytest.mark.django_db


def question(text: str, outcome: str, **kwargs) -> ScreeningQuestion:
    return ScreeningQuestion.objects.create(text=text, yes_outcome=outcome, **kwargs)


def test_a_single_blocking_yes_blocks_whatever_else_was_answered():
    pregnant = question("Pregnant?", ScreeningOutcome.BLOCK)
    blood = question("Blood thinners?", ScreeningOutcome.REVIEW)
    assert screening_outcome({pregnant: True, blood: True}) == ScreeningOutcome.BLOCK
    assert screening_outcome({pregnant: False, blood: True}) == ScreeningOutcome.REVIEW
    assert screening_outcome({pregnant: False, blood: False}) == ScreeningOutcome.FINE
    assert screening_outcome({}) == ScreeningOutcome.FINE


def test_questions_apply_by_source_and_procedure():
    demo.seed_screening()
    ready_made = ProtocolFactory()
    prp_laser = ProtocolFactory(autologous_prp=True, laser=True)
    asked_ready = {q.text for q in screening_questions(ready_made)}
    asked_prp = {q.text for q in screening_questions(prp_laser)}
    assert any("platelets" in text for text in asked_prp)
    assert not any("platelets" in text for text in asked_ready)
    # One isotretinoin question per protocol, whatever its procedure.
    assert sum("isotretinoin" in text for text in asked_ready) == 1
    assert sum("isotretinoin" in text for text in asked_prp) == 1


def test_the_demo_questions_block_pregnancy_and_route_anticoagulants_to_review():
    demo.seed_screening()
    questions = screening_questions(ProtocolFactory())
    by_text = {q.text: q for q in questions}
    pregnant = next(q for t, q in by_text.items() if "pregnant" in t)
    thinners = next(q for t, q in by_text.items() if "anticoagulants" in t)
    assert pregnant.yes_outcome == ScreeningOutcome.BLOCK
    assert thinners.yes_outcome == ScreeningOutcome.REVIEW
    with translation.override("tr"):
        assert "Hamile" in ScreeningQuestion.objects.get(pk=pregnant.pk).text
    with translation.override("de"):
        assert "schwanger" in ScreeningQuestion.objects.get(pk=pregnant.pk).text


def test_the_snapshot_keeps_the_question_as_asked_and_is_stored_once():
    thinners = question("Blood thinners?", ScreeningOutcome.REVIEW)
    allergy = question("Allergies?", ScreeningOutcome.REVIEW)
    snapshot = screening_snapshot([thinners, allergy], {thinners.pk: True, allergy.pk: False})
    assert [item["text"] for item in flagged(snapshot)] == ["Blood thinners?"]
    assert screening_outcome(snapshot) == ScreeningOutcome.REVIEW

    clinician = ClinicianFactory()
    plan = Plan.objects.create(
        patient=PatientFactory(),
        protocol=ProtocolFactory(),
        clinician=clinician,
        status="confirmed",
    )
    assert screening_answers_save(plan=plan, snapshot=snapshot) == 2
    assert screening_answers_save(plan=plan, snapshot=snapshot) == 0

    # Editing or deleting the question later does not rewrite what was answered.
    thinners.text = "Do you take anticoagulants?"
    thinners.save()
    allergy.delete()
    answers = list(ScreeningAnswer.objects.filter(plan=plan))
    assert [(a.question_text, a.answer, a.is_flagged) for a in answers] == [
        ("Blood thinners?", True, True),
        ("Allergies?", False, False),
    ]
    assert answers[1].question_id is None
