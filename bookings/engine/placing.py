"""Placing a booking: the one path from "this course for this person" to a held or booked plan.

Every channel — the online pages, the phone booking, later the waiting list — calls
`booking_place()`; each keeps only its own input handling. Here, and nowhere else:

- the screening outcome decides: *block* refuses, *review* books the course awaiting a
  clinician's approval, *fine* confirms it;
- the patient is found or created (online: the same email and date of birth is the same
  patient, silently, and nothing of the record changes; by phone: possible matches are offered
  to reception first, and a second record needs an explicit choice);
- consent is recorded (`plan_consent_record`): online by the patient when they confirm, or
  later from the link in their email; by reception only as consent given in person. A phone
  booking is booked "consent pending" and the patient accepts the same versioned text online;
- the placement is idempotent: a proposal carries an id, placing it twice (a double click, a
  retry, two tabs) gives the same plan, and finishing a proposal that is no longer the one held
  (a stale tab) is refused with `ProposalChanged`;
- the patient's email is sent after the commit by the `after_commit` callback the channel passes
  (the engine imports no email code: `bookings.notify` does the sending).

One transaction per call (`booking_transaction`), so a phone booking is booked with its answers
or not at all. Lock order: the proposal (and, for a new visitor, their identity; PostgreSQL
advisory locks that end with the transaction), then the engine's order (engine.services).
"""

from __future__ import annotations

import enum
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.engine.consultation import consultation_book_locked
from bookings.engine.errors import (
    ConsentMissing,
    InvalidPlanState,
    PatientAlreadyBooked,
    PatientMayExist,
    ProposalChanged,
    ScreeningBlocks,
    SlotUnavailable,
)
from bookings.engine.locks import booking_transaction, lock_plans, lock_proposal
from bookings.engine.patients import (
    PatientDetails,
    normalise_name,
    patient_identity_keys,
    patient_matches,
)
from bookings.engine.planner import ProposedVisit
from bookings.engine.rules import BookingRules, aware
from bookings.engine.screening import (
    AnsweredQuestion,
    screening_answers_save,
    screening_outcome,
)
from bookings.engine.services import plan_book_locked, plan_replace_locked
from bookings.models import (
    OPEN_PLAN_STATUSES,
    ConsentMethod,
    ConsentText,
    Patient,
    Plan,
    PlanKind,
    PlanStatus,
    ScreeningOutcome,
)
from treatments.models import Protocol

logger = logging.getLogger(__name__)


class Channel(enum.StrEnum):
    """Who is placing the booking."""

    ONLINE = "online"  # the patient, on the public booking pages
    PHONE = "phone"  # reception, for a caller


@dataclass(frozen=True)
class ConsentEvidence:
    """A consent as given: which text (language and version) and how.

    `ConsentMethod.ONLINE` is the patient accepting the text themselves (the booking page, or the
    link in their email). `ConsentMethod.IN_PERSON` is the patient consenting at the clinic,
    recorded by the member of staff who saw it (`recorded_by_id`).
    """

    text: ConsentText
    method: str = ConsentMethod.ONLINE
    recorded_by_id: int | None = None


def screening_blocks_booking(answers: Sequence[AnsweredQuestion]) -> bool:
    """An answer means a clinician must see the patient first: nothing can be booked."""
    return screening_outcome(answers) == ScreeningOutcome.BLOCK


def screening_needs_review(answers: Sequence[AnsweredQuestion]) -> bool:
    """An answer means a clinician approves the course before it is confirmed."""
    return screening_outcome(answers) == ScreeningOutcome.REVIEW


def proposal_new_id() -> str:
    """A fresh id for a proposed course: every page that shows a course sends it back."""
    return secrets.token_urlsafe(16)


def booking_place(
    *,
    channel: Channel,
    protocol: Protocol | None,
    visits: Sequence[ProposedVisit],
    proposal_id: str,
    answers: Sequence[AnsweredQuestion],
    patient: Patient | None = None,
    details: PatientDetails | None = None,
    new_patient_confirmed: bool = False,
    consent: ConsentEvidence | None = None,
    hold: bool = False,
    after_commit: Callable[[Plan], None] | None = None,
    now: datetime | None = None,
    replaces_plan_id: int | None = None,
    kind: str = PlanKind.COURSE,
    topics: Sequence[str] = (),
    message: str = "",
) -> Plan:
    """Hold, or book, the proposed course for this patient (module docstring).

    `replaces_plan_id` (the waitlist moving a whole course earlier): finishing the new course
    cancels that one in the same transaction — both change, or neither.

    `hold=True` only keeps the times (the online pages, before the patient has confirmed);
    calling again with the same `proposal_id` and `hold=False` finishes that held plan. Online,
    finishing needs the patient's consent; a phone booking never takes one (reception cannot
    consent for the patient) and is booked with the consent pending.

    `kind=PlanKind.CONSULTATION` places a consultation (engine.consultation): one visit with a
    clinician who offers consultations, `protocol` the treatment asked about or None, no
    screening (pass no answers) and no treatment consent; `topics` and `message` are what the
    patient would like to discuss. Online it may be booked in one step (`hold=False` without a
    held plan first): the patient confirms the time on the page that shows it.
    """
    consultation = kind == PlanKind.CONSULTATION
    if protocol is None and not consultation:
        raise ValueError("A course is of a protocol.")
    if consultation and answers:
        raise ValueError("A consultation has no medical screening.")
    if not proposal_id:
        raise ValueError("A placement needs the id of the proposal the page showed.")
    if (patient is None) == (details is None):
        raise ValueError("Give either an existing patient or the details of one.")
    if channel != Channel.ONLINE and consent is not None:
        raise ValueError("Only the patient consents; staff record in-person consent at check-in.")
    now = aware(now or timezone.now())
    if screening_blocks_booking(answers):
        raise ScreeningBlocks()
    if channel == Channel.ONLINE and not hold and consent is None and not consultation:
        raise ConsentMissing()
    rules = BookingRules.from_settings()

    def place() -> Plan:
        lock_proposal(proposal_id, patient_identity_keys(details) if details else ())
        plan = (
            Plan.objects.filter(proposal_id=proposal_id, status__in=OPEN_PLAN_STATUSES)
            .order_by("pk")
            .first()
        )
        if plan is None:
            if channel == Channel.ONLINE and not hold and not consultation:
                # Online, only a held course is confirmed: this page's course is not held now.
                raise ProposalChanged()
            if channel == Channel.PHONE and details is not None and not new_patient_confirmed:
                # Search before creating: a second record of one person needs staff's choice.
                matches = patient_matches(details, now=now)
                if matches:
                    raise PatientMayExist(matches)
            who = patient if patient is not None else _patient_for(details, channel)
            try:
                if consultation:
                    return consultation_book_locked(
                        patient_id=who.pk,
                        protocol=protocol,
                        visits=visits,
                        online=channel == Channel.ONLINE,
                        hold=hold,
                        now=now,
                        rules=rules,
                        proposal_id=proposal_id,
                        topics=topics,
                        message=message,
                    )
                plan = plan_book_locked(
                    patient_id=who.pk,
                    protocol=protocol,
                    visits=visits,
                    online=channel == Channel.ONLINE,
                    hold=True,
                    now=now,
                    rules=rules,
                    proposal_id=proposal_id,
                )
            except PatientAlreadyBooked:
                if channel == Channel.ONLINE:
                    # Never tell a visitor that this email and birthday have visits: only the
                    # patient's own links (their email) may say so. Other times are offered.
                    raise SlotUnavailable() from None
                raise
        elif patient is not None and plan.patient_id != patient.pk:
            raise ProposalChanged()
        elif details is not None and not _same_person(plan.patient, details, channel):
            # The proposal was placed for someone else (a resubmitted page with edited details):
            # never report another person's plan as this caller's booking.
            raise ProposalChanged()
        if hold or plan.status != PlanStatus.HELD:
            return plan  # held as asked, or finished already (a second submission)
        (plan,) = lock_plans([plan.pk])
        if not plan.hold_is_live(now):
            # The times are gone: no answers or consent are kept for a course never booked.
            raise InvalidPlanState(
                _("The times held for this course ran out. Please choose times again.")
            )
        screening_answers_save(plan=plan, snapshot=answers)
        if consent is not None:
            _consent_write(plan, consent, now)
        review = screening_needs_review(answers)
        plan.status = PlanStatus.AWAITING_REVIEW if review else PlanStatus.CONFIRMED
        plan.hold_expires_at = None
        plan.save(update_fields=["status", "hold_expires_at"])
        if replaces_plan_id is not None:
            plan_replace_locked(plan_id=replaces_plan_id, now=now)
        return plan

    with booking_transaction():
        plan = place()
    if after_commit is not None and plan.status != PlanStatus.HELD:
        # The transaction has committed (it is durable). Also for a second submission: the
        # callback is idempotent (notify sends the booked email once per plan), and it covers a
        # first request that stopped between the commit and the email.
        try:
            after_commit(plan)
        except Exception:
            # The booking stands; the email can be sent again by the next submission or staff.
            logger.exception("Plan %s placed, but its after-commit step failed", plan.pk)
    return plan


def plan_consent_record(
    *, plan: Plan, consent: ConsentEvidence, now: datetime | None = None
) -> Plan:
    """Record the patient's consent to an open course, once (a second acceptance changes
    nothing). Online from the patient's own link, or in person with the staff member who saw it.
    """
    if consent.method == ConsentMethod.IN_PERSON and consent.recorded_by_id is None:
        raise ValueError("In-person consent names the member of staff who recorded it.")
    now = aware(now or timezone.now())

    with booking_transaction():
        (locked,) = lock_plans([plan.pk])  # NotFound if it is gone
        if locked.has_consent():
            return locked
        if locked.status not in OPEN_PLAN_STATUSES or (
            locked.status == PlanStatus.HELD and not locked.hold_is_live(now)
        ):
            raise InvalidPlanState()
        _consent_write(locked, consent, now)
        return locked


def consent_text_current(
    protocol: Protocol, language: str, *, now: datetime | None = None
) -> ConsentText | None:
    """The consent text a patient reads for this course: its procedure and source, in their
    language (``ConsentText.objects.for_course``), whatever the channel."""
    return ConsentText.objects.for_course(protocol, language, now=now)


def plan_require_consent(plan: Plan) -> None:
    """Refuse (ConsentMissing) work that needs the patient's consent: approving, treating."""
    if not plan.has_consent():
        raise ConsentMissing()


# --- helpers ---------------------------------------------------------------------------------


def _consent_write(plan: Plan, consent: ConsentEvidence, now: datetime) -> None:
    plan.consent_text = consent.text
    plan.consented_at = now
    plan.consent_language = consent.text.language
    plan.consent_method = consent.method
    plan.consent_recorded_by_id = consent.recorded_by_id
    plan.save(
        update_fields=[
            "consent_text",
            "consented_at",
            "consent_language",
            "consent_method",
            "consent_recorded_by",
        ]
    )


def _same_person(patient: Patient, details: PatientDetails, channel: Channel) -> bool:
    """The plan's patient is the one these details describe: the same email and date of birth
    (as online identifies a returning patient) and, by phone, the same name too."""
    same_email = patient.email.strip().lower() == details.email.strip().lower()
    # Compared as ISO text: details may carry the date of birth as typed.
    same_birthday = str(patient.date_of_birth) == str(details.date_of_birth)
    same = same_email and same_birthday
    if channel != Channel.ONLINE:
        same = same and patient.name_normalised == normalise_name(details.full_name)
    return same


def _patient_for(details: PatientDetails, channel: Channel) -> Patient:
    """Online, the same email and date of birth is the returning patient: their record is used
    as it is (a visitor's typing never changes it, and nothing of it is shown). By phone this is
    reached only for a new person (no match, or reception confirmed a different person)."""
    if channel == Channel.ONLINE:
        existing = (
            Patient.objects.filter(
                email__iexact=details.email.strip(), date_of_birth=details.date_of_birth
            )
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing
    return Patient.objects.create(
        full_name=details.full_name,
        email=details.email.strip(),
        phone=details.phone,
        date_of_birth=details.date_of_birth,
        preferred_language=details.preferred_language,
    )
