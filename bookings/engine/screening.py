"""The health screening before a course: which questions apply, and what the answers mean.

One home for the rule, used by the online booking flow and by reception (phone bookings):

- `screening_questions(protocol)` — the active questions for the protocol's source and
  procedure, in order;
- `screening_outcome(answers)` — the worst outcome among the "yes" answers: BLOCK (cannot be
  booked online), REVIEW (a clinician must approve the plan) or FINE;
- `screening_snapshot(questions, answers)` — the answers as the patient saw the questions (text
  in the language they were asked in, and what a "yes" meant then), ready to be kept in a session
  and stored with the plan later, so that editing a question never rewrites history;
- `screening_answers_save(plan=…, snapshot=…)` — stores that snapshot as `ScreeningAnswer` rows,
  once (a repeated call writes nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypedDict

from django.db import transaction

from bookings.engine.locks import lock_plans
from bookings.models import Plan, ScreeningAnswer, ScreeningOutcome, ScreeningQuestion
from treatments.models import Protocol

# Worst first: one blocking answer blocks, whatever else was answered.
_SEVERITY = {
    ScreeningOutcome.FINE.value: 0,
    ScreeningOutcome.REVIEW.value: 1,
    ScreeningOutcome.BLOCK.value: 2,
}


class AnsweredQuestion(TypedDict):
    """One answer as it travels in the session and into `ScreeningAnswer` (JSON-safe)."""

    question_id: int | None
    text: str
    answer: bool
    outcome: str  # what a "yes" to this question meant when it was asked
    position: int


def screening_questions(protocol: Protocol) -> list[ScreeningQuestion]:
    return list(ScreeningQuestion.objects.for_protocol(protocol))


def answer_outcome(*, answer: bool, yes_outcome: str) -> str:
    """A "no" is always fine; a "yes" means what the question says it means."""
    return yes_outcome if answer else ScreeningOutcome.FINE.value


def screening_outcome(answers: Iterable[AnsweredQuestion] | Mapping[object, object]) -> str:
    """The outcome of a whole screening: BLOCK, REVIEW or FINE (ScreeningOutcome values).

    Takes a snapshot (a list of `AnsweredQuestion`), or a mapping {ScreeningQuestion: bool}.
    No answers at all is FINE: a protocol with no applicable question needs no review.
    """
    if isinstance(answers, Mapping):
        outcomes = [
            answer_outcome(answer=bool(answer), yes_outcome=question.yes_outcome)
            for question, answer in answers.items()
        ]
    else:
        outcomes = [
            answer_outcome(answer=item["answer"], yes_outcome=item["outcome"]) for item in answers
        ]
    return max(outcomes, key=_SEVERITY.__getitem__, default=ScreeningOutcome.FINE.value)


def screening_snapshot(
    questions: Sequence[ScreeningQuestion], answers: Mapping[int, bool]
) -> list[AnsweredQuestion]:
    """The answers to `questions` (by question id), with the text as shown right now.

    Call it with the patient's language active: `question.text` is the translated text.
    """
    return [
        AnsweredQuestion(
            question_id=question.pk,
            text=str(question.text),
            answer=bool(answers[question.pk]),
            outcome=question.yes_outcome,
            position=index,
        )
        for index, question in enumerate(questions)
    ]


def flagged(snapshot: Iterable[AnsweredQuestion]) -> list[AnsweredQuestion]:
    """The "yes" answers that are not fine: the ones a clinician (or reception) reads first."""
    return [
        item
        for item in snapshot
        if answer_outcome(answer=item["answer"], yes_outcome=item["outcome"])
        != ScreeningOutcome.FINE
    ]


def screening_answers_save(*, plan: Plan, snapshot: Sequence[AnsweredQuestion]) -> int:
    """Store the snapshot with the plan once; returns how many rows were written (0 if stored).

    The plan row is locked so that two submissions of the same confirmation cannot both write.
    """
    with transaction.atomic():
        lock_plans([plan.pk], missing_ok=True)  # the engine's plan lock (engine.locks)
        if ScreeningAnswer.objects.filter(plan=plan).exists():
            return 0
        existing = set(
            ScreeningQuestion.objects.filter(
                pk__in=[item["question_id"] for item in snapshot if item["question_id"]]
            ).values_list("pk", flat=True)
        )
        rows = ScreeningAnswer.objects.bulk_create(
            ScreeningAnswer(
                plan=plan,
                # A question deleted since it was asked keeps its answer, without the link.
                question_id=item["question_id"] if item["question_id"] in existing else None,
                question_text=item["text"][:300],
                answer=item["answer"],
                outcome=item["outcome"],
                position=item["position"],
            )
            for item in snapshot
        )
        return len(rows)
