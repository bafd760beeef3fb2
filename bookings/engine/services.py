"""Booking workflows. Each runs in one transaction: lock → re-check → write all rows, or none.

**Call these outside any transaction.** Every service opens its own
`transaction.atomic(durable=True)` (as pretix places orders), so its row locks and its
`SET LOCAL lock_timeout` end the moment it returns, and the caller gets back rows that are
committed. Called inside another transaction it raises `RuntimeError` ("A durable atomic block
cannot be nested…") instead of holding the calendar's locks for the rest of the caller's work.
Views are fine (`ATOMIC_REQUESTS` is off). The admin's add/change form and its `save_model()` run
inside `transaction.atomic`: call a service from an admin action or a custom admin view, not from
a form's save. Mail and other follow-ups go in `transaction.on_commit` inside the service, or
after it returns.

**Lock order.** Every service takes its locks in this one order, so two of them can queue but
never wait for each other in a circle:

1. plans, by id: the plans it changes (read from the database: an appointment's plan is the
   stored one, never the caller's `plan_id`), and the held plans whose hold ran out that still
   sit on the clinicians and devices it books (found by a read before any lock; they are freed
   under the locks);
2. the patient (one patient, one visit at a time, even with two clinicians);
3. the clinicians it books, by id;
4. the devices of the protocol's procedure, by id.

A hold that runs out between the first read and the locks (two services' clocks apart) is freed
only if its plan can be locked without waiting (SKIP LOCKED); the release job skips plans that
others hold. Neither ever waits for a plan while holding a patient, clinician or device.

On PostgreSQL the locks are `SELECT … FOR NO KEY UPDATE OF <table>`: only the rows named are
locked (not the protocol row a join reads), and the lock does not conflict with the key-share
lock that inserting a plan or an appointment takes on the rows its foreign keys point to. A lock
waits at most `BOOKING_LOCK_TIMEOUT_SECONDS`; then, or on a deadlock, the answer is `ClinicBusy`.
Exclusion constraints back the re-check: an overlap that slipped through is refused by the
database (`SlotTaken`). On SQLite every transaction starts with BEGIN IMMEDIATE (settings), so
writers run one at a time.

Services decide on what is stored: they re-read every row after locking it. They refuse with the
errors of `engine.errors` — unknown ids, a removed patient or an unpublished protocol included —
and never let a database error through as a server error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings.engine.availability import Calendar, VisitSpec
from bookings.engine.errors import (
    BookingError,
    ConsentMissing,
    CourseRuleBroken,
    InvalidPlanState,
    NotFound,
    PatientAlreadyBooked,
    ReplacedPlanChanged,
    TooLateToChange,
    TreatmentUnavailable,
)
from bookings.engine.freed import time_freed
from bookings.engine.locks import (
    booking_transaction,
    lock_appointment,
    lock_clinicians,
    lock_devices,
    lock_patients,
    lock_plans,
)
from bookings.engine.planner import ProposedVisit
from bookings.engine.rules import (
    BookingRules,
    aware,
    course_problems,
    end_of,
    instant,
    later_by,
    local_date,
    timing_problems,
)
from bookings.models import (
    OPEN_PLAN_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Clinician,
    Device,
    Patient,
    Plan,
    PlanStatus,
)
from treatments.models import Protocol

T = TypeVar("T")


def plan_book(
    *,
    patient: Patient,
    protocol: Protocol,
    visits: Sequence[ProposedVisit],
    online: bool = True,
    hold: bool = True,
    now: datetime | None = None,
) -> Plan:
    """Book a whole course: every visit, or none.

    A held plan keeps its times for BOOKING_HOLD_MINUTES while the patient completes screening
    and consent; `hold=False` confirms it at once. Booking again the course the patient already
    holds (a second click) returns that plan. The booking channels do not call this directly:
    they place a booking with `engine.placing.booking_place`, which calls `plan_book_locked`.
    """
    now = aware(now or timezone.now())
    rules = BookingRules.from_settings()
    with booking_transaction(rules):
        return plan_book_locked(
            patient_id=patient.pk,
            protocol=protocol,
            visits=visits,
            online=online,
            hold=hold,
            now=now,
            rules=rules,
        )


def plan_book_locked(
    *,
    patient_id: int,
    protocol: Protocol,
    visits: Sequence[ProposedVisit],
    online: bool,
    hold: bool,
    now: datetime,
    rules: BookingRules,
    proposal_id: str = "",
) -> Plan:
    """Inside `booking_transaction`: take the booking's locks, re-check, write the plan."""
    ordered = sorted(
        (replace(visit, start=instant(visit.start)) for visit in visits),
        key=lambda visit: visit.sequence,
    )
    stored = _published_protocol(protocol.pk)
    problems = course_problems(stored, ordered)
    if problems:
        raise CourseRuleBroken(" ".join(problems))
    clinician_ids = sorted({visit.clinician_id for visit in ordered})
    _lock_in_order(patient_id=patient_id, clinician_ids=clinician_ids, protocol=stored, now=now)
    same = _same_course_held(patient_id, stored, ordered, now)
    if same is not None:
        return same
    _refuse_patient_clash(patient_id, [(v.start, v.end) for v in ordered], now)
    calendar = _calendar_for(stored, ordered, now, online, clinician_ids)
    appointments = []
    for visit in ordered:
        spec = VisitSpec.for_visit(stored, visit.sequence)
        problem = calendar.problem_with(visit.clinician_id, visit.start, spec)
        if problem is not None:
            raise problem
        device_id = calendar.free_device(visit.start, spec)
        calendar.reserve(
            clinician_id=visit.clinician_id,
            device_id=device_id,
            start=visit.start,
            minutes=spec.minutes,
        )
        appointments.append(
            Appointment(
                kind=visit.kind,
                sequence=visit.sequence,
                start=visit.start,
                end=end_of(visit.start, spec.minutes),
                clinician_id=visit.clinician_id,
                device_id=device_id,
            )
        )
    first_session = next(a for a in appointments if a.kind == AppointmentKind.SESSION)
    plan = Plan.objects.create(
        patient_id=patient_id,
        protocol=stored,
        clinician_id=first_session.clinician_id,
        status=PlanStatus.HELD if hold else PlanStatus.CONFIRMED,
        hold_expires_at=later_by(now, rules.hold) if hold else None,
        confirmed_at=None if hold else now,
        proposal_id=proposal_id,
    )
    for appointment in appointments:
        appointment.plan = plan
    Appointment.objects.bulk_create(appointments)
    return plan


def appointment_reschedule(
    *,
    appointment: Appointment,
    new_start: datetime,
    clinician: Clinician | None = None,
    online: bool = True,
    now: datetime | None = None,
) -> Appointment:
    """Move one visit, keeping the course's timing rules against the visits that remain."""
    now = aware(now or timezone.now())
    new_start = instant(new_start)
    rules = BookingRules.from_settings()

    with booking_transaction(rules):
        # Every lock target is known before the first lock, so they are all taken in one order.
        stored = (
            Appointment.objects.filter(pk=appointment.pk)
            .values("plan_id", "plan__patient_id", "plan__protocol_id", "clinician_id", "kind")
            .first()
        )
        if stored is None:
            raise NotFound()
        if stored["kind"] == AppointmentKind.CONSULTATION:
            # Issue 18: not built yet; a consultation is cancelled and booked again.
            raise InvalidPlanState(
                _("A consultation cannot be moved: please cancel it and book a new time.")
            )
        clinician_id = clinician.pk if clinician else stored["clinician_id"]
        protocol = Protocol.objects.get(pk=stored["plan__protocol_id"])
        plans = _lock_in_order(
            plan_ids=[stored["plan_id"]],
            patient_id=stored["plan__patient_id"],
            clinician_ids=[clinician_id],
            protocol=protocol,
            now=now,
        )
        plan = plans[stored["plan_id"]]
        current = Appointment.objects.get(pk=appointment.pk)
        if clinician is None and current.clinician_id != clinician_id:
            raise InvalidPlanState(_("This visit was changed a moment ago. Please look again."))
        _require_changeable(plan, current, rules, now, online)
        spec = VisitSpec.for_visit(protocol, current.sequence)
        moved = ProposedVisit(current.sequence, new_start, clinician_id, spec.minutes)
        others = list(plan.appointments.active().exclude(pk=current.pk))
        problems = timing_problems(protocol, [*others, moved])
        if problems:
            raise CourseRuleBroken(" ".join(problems))
        _refuse_patient_clash(plan.patient_id, [(moved.start, moved.end)], now, current.pk)
        calendar = Calendar(
            protocol=protocol,
            first_day=local_date(new_start),
            last_day=local_date(new_start),
            now=now,
            online=online,
            clinician_ids=[clinician_id],
            ignore_appointment_ids=[current.pk],
        )
        problem = calendar.problem_with(clinician_id, new_start, spec)
        if problem is not None:
            raise problem
        current.start = new_start
        current.end = moved.end
        current.clinician_id = clinician_id
        current.device_id = calendar.free_device(new_start, spec)
        current.save(update_fields=["start", "end", "clinician", "device", "updated_at"])
        time_freed(plan_ids=[plan.pk], protocol_ids=[plan.protocol_id], now=now)
        return current


def appointment_cancel(
    *, appointment: Appointment, online: bool = True, now: datetime | None = None
) -> Appointment:
    """Cancel one session. Cancelling the last active one cancels the plan.

    What remains keeps the course's rules by construction (see `engine.rules`), so a patient
    can always cancel a session that is far enough ahead.
    """
    now = aware(now or timezone.now())
    rules = BookingRules.from_settings()

    with booking_transaction(rules):
        plan, current = lock_appointment(appointment.pk)
        _require_changeable(plan, current, rules, now, online)
        if current.kind == AppointmentKind.PREPARATION:
            raise InvalidPlanState(
                _(
                    "The preparation visit cannot be cancelled on its own, because the sessions "
                    "depend on it. Move it to another day, or cancel the whole course."
                )
            )
        current.status = AppointmentStatus.CANCELLED
        current.cancelled_at = now
        current.save(update_fields=["status", "cancelled_at", "updated_at"])
        time_freed(plan_ids=[plan.pk], protocol_ids=[plan.protocol_id], now=now)
        if not plan.appointments.active().filter(kind=AppointmentKind.SESSION).exists():
            # No session left: a preparation visit still to come would serve nothing.
            _plans_close([plan.pk], PlanStatus.CANCELLED, now)
            plan.refresh_from_db(fields=["status", "hold_expires_at"])
        return current


def plan_cancel(*, plan: Plan, online: bool = True, now: datetime | None = None) -> Plan:
    """Cancel the whole course and free every future time it holds."""
    now = aware(now or timezone.now())
    rules = BookingRules.from_settings()

    with booking_transaction(rules):
        (locked,) = lock_plans([plan.pk])
        if locked.status not in OPEN_PLAN_STATUSES:
            raise InvalidPlanState()
        _require_live_hold(locked, now)
        upcoming = locked.appointments.filter(status=AppointmentStatus.BOOKED, start__gt=now)
        if online and upcoming.filter(start__lt=later_by(now, rules.cancellation_notice)).exists():
            raise TooLateToChange(_cancellation_notice_message(rules))
        _plans_close([locked.pk], PlanStatus.CANCELLED, now)
        locked.refresh_from_db(fields=["status", "hold_expires_at"])
        return locked


def plan_request_review(*, plan: Plan, now: datetime | None = None) -> Plan:
    """Screening flagged something: keep the times, but a clinician must approve the plan."""
    return _plan_transition(
        plan, allowed=(PlanStatus.HELD,), status=PlanStatus.AWAITING_REVIEW, now=now
    )


def plan_confirm(
    *, plan: Plan, reviewer: Clinician | None = None, note: str = "", now: datetime | None = None
) -> Plan:
    """Confirm a held plan, or approve one awaiting review (then a reviewer is required).

    Confirming a plan that is already confirmed changes nothing and returns it (a second click).
    """
    return _plan_transition(
        plan,
        allowed=(PlanStatus.HELD, PlanStatus.AWAITING_REVIEW),
        status=PlanStatus.CONFIRMED,
        reviewer=reviewer,
        note=note,
        now=now,
    )


def plan_decline(
    *, plan: Plan, reviewer: Clinician, note: str = "", now: datetime | None = None
) -> Plan:
    """A clinician declines the plan; its times are freed."""
    return _plan_transition(
        plan,
        allowed=(PlanStatus.HELD, PlanStatus.AWAITING_REVIEW),
        status=PlanStatus.DECLINED,
        reviewer=reviewer,
        note=note,
        now=now,
    )


def plan_release_expired_holds(*, now: datetime | None = None) -> int:
    """Cancel held plans whose hold ran out (also done lazily inside every booking).

    Returns how many this call cancelled. Plans another transaction holds are skipped, not
    waited for: that transaction (a booking on their times, or their own patient) decides them,
    and the next run picks up any that are left.
    """
    now = aware(now or timezone.now())

    with booking_transaction():
        expired = list(
            Plan.objects.expired_holds(now)
            .select_for_update(no_key=True, skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _plans_close(expired, PlanStatus.CANCELLED, now)
        return len(expired)


# --- building blocks for the staff-side workflows (reception, clinical records) ------------


def plan_replace_locked(*, plan_id: int, now: datetime) -> None:
    """Inside `booking_transaction`: cancel the course a new one replaces (the waitlist moving a
    whole course earlier), in the same transaction as the new one's confirmation. Refuses
    (`ReplacedPlanChanged`) when it is no longer open, so nothing of the move is kept."""
    locked = Plan.objects.select_for_update(no_key=True, of=("self",)).filter(pk=plan_id).first()
    if locked is None or locked.status not in OPEN_PLAN_STATUSES:
        raise ReplacedPlanChanged()
    _plans_close([locked.pk], PlanStatus.CANCELLED, now)


def plan_complete_if_finished(*, plan: Plan) -> bool:
    """The one place a course becomes completed: a confirmed plan whose visits are all
    finished (completed, no-show or cancelled) with at least one completed.

    Call it with the plan locked (after `locks.lock_appointment`), once a visit's status changed.
    Returns whether the plan was completed now.
    """
    if plan.status != PlanStatus.CONFIRMED:
        return False
    statuses = set(plan.appointments.values_list("status", flat=True))
    if not statuses or not statuses <= set(FINISHED_APPOINTMENT_STATUSES):
        return False
    if AppointmentStatus.COMPLETED not in statuses:
        return False
    plan.status = PlanStatus.COMPLETED
    plan.hold_expires_at = None
    plan.save(update_fields=["status", "hold_expires_at"])
    return True


FINISHED_APPOINTMENT_STATUSES = (
    AppointmentStatus.COMPLETED,
    AppointmentStatus.NO_SHOW,
    AppointmentStatus.CANCELLED,
)


# --- helpers ---------------------------------------------------------------------------------


def _plan_transition(
    plan: Plan,
    *,
    allowed: tuple[str, ...],
    status: str,
    reviewer: Clinician | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Plan:
    now = aware(now or timezone.now())

    with booking_transaction():
        (locked,) = lock_plans([plan.pk])
        if locked.status == status == PlanStatus.CONFIRMED:
            return locked
        if locked.status not in allowed:
            raise InvalidPlanState()
        if locked.status == PlanStatus.AWAITING_REVIEW and reviewer is None:
            raise InvalidPlanState(_("A clinician must review this plan first."))
        if status == PlanStatus.CONFIRMED and reviewer is not None and not locked.has_consent():
            raise ConsentMissing()  # an approval needs the patient's consent first
        _require_live_hold(locked, now)
        if reviewer is not None:
            if not Clinician.objects.filter(pk=reviewer.pk).exists():
                raise NotFound()
            locked.reviewed_by_id = reviewer.pk
            locked.reviewed_at = now
            locked.review_note = note
            locked.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        if status in (PlanStatus.DECLINED, PlanStatus.CANCELLED):
            _plans_close([locked.pk], status, now)
        else:
            # The reports' timestamps: when the plan went to review, when it was first confirmed.
            stamp = (
                "review_requested_at" if status == PlanStatus.AWAITING_REVIEW else "confirmed_at"
            )
            locked.status = status
            locked.hold_expires_at = None
            setattr(locked, stamp, now)
            locked.save(update_fields=["status", "hold_expires_at", stamp])
        locked.refresh_from_db(fields=["status", "hold_expires_at"])
        return locked


def _plans_close(plan_ids: Iterable[int], status: str, now: datetime) -> None:
    """Close plans (cancelled, declined, or a hold that ran out): the one way every path does it.

    The status is set, the hold dropped, and every visit still to come is cancelled; visits that
    have started or taken place keep their status, as the record of what happened.
    """
    plan_ids = list(plan_ids)
    if not plan_ids:
        return
    Appointment.objects.filter(
        plan_id__in=plan_ids, status=AppointmentStatus.BOOKED, start__gt=now
    ).update(status=AppointmentStatus.CANCELLED, cancelled_at=now, updated_at=now)
    Plan.objects.filter(pk__in=plan_ids).update(status=status, hold_expires_at=None)
    # The waitlist hears of it after the commit (engine.freed: a seam, no task code here).
    protocol_ids = Plan.objects.filter(pk__in=plan_ids).values_list("protocol_id", flat=True)
    time_freed(plan_ids=plan_ids, protocol_ids=list(protocol_ids), now=now)


def _published_protocol(protocol_id: int | None) -> Protocol:
    # The catalogue's own rule (a ready-made course names its product), on every channel.
    stored = Protocol.objects.published().filter(pk=protocol_id).first()
    if stored is None:
        raise TreatmentUnavailable()
    return stored


def _lock_in_order(
    *,
    plan_ids: Sequence[int] = (),
    patient_id: int | None,
    clinician_ids: Sequence[int],
    protocol: Protocol | None,
    now: datetime,
) -> dict[int, Plan]:
    """Take a booking's locks in the one order (module docstring); returns the locked plans.

    Held plans whose hold ran out still occupy the rows this booking wants (and the exclusion
    constraint), so they are freed here. They are found before any lock and locked together with
    the booking's own plans, in id order: a booking waits for the release job or the plan's own
    patient instead of either of them waiting for the booking while holding something it needs.
    """
    device_ids: list[int] = []
    if protocol is not None and protocol.needs_device:  # None: a consultation, no device
        device_ids = list(
            Device.objects.for_procedure(protocol.procedure).values_list("pk", flat=True)
        )
    expired_ids = set(
        _expired_plans_on(clinician_ids, device_ids, now).values_list("pk", flat=True)
    )
    plans = {plan.pk: plan for plan in lock_plans({*plan_ids, *expired_ids}, missing_ok=True)}
    if any(plan_id not in plans for plan_id in plan_ids):
        raise NotFound()
    if patient_id is not None and not lock_patients([patient_id]):
        raise NotFound(_("We could not find this patient's record. Please call the clinic."))
    locked_clinicians = lock_clinicians(clinician_ids)
    locked_devices = lock_devices(device_ids)
    # Re-checked under the locks. A hold that ran out only between the first read and now (two
    # services' clocks apart) is taken if free and otherwise left: never waited for out of order.
    still_expired = _expired_plans_on(locked_clinicians, locked_devices, now).exclude(
        pk__in=plan_ids
    )
    ours = [pk for pk in still_expired.values_list("pk", flat=True) if pk in plans]
    stragglers = list(
        still_expired.exclude(pk__in=plans)
        .select_for_update(no_key=True, skip_locked=True)
        .values_list("pk", flat=True)
    )
    _plans_close([*ours, *stragglers], PlanStatus.CANCELLED, now)
    return plans


def _expired_plans_on(
    clinician_ids: Sequence[int], device_ids: Sequence[int], now: datetime
) -> QuerySet[Plan]:
    """Held plans whose hold ran out with an active appointment on these clinicians or devices."""
    on_rows = Q(clinician_id__in=clinician_ids) | Q(device_id__in=device_ids)
    expired = Plan.objects.expired_holds(now)
    holding = Appointment.objects.active().filter(on_rows, plan__in=expired)
    return expired.filter(pk__in=holding.values("plan_id"))


def _same_course_held(
    patient_id: int, protocol: Protocol, visits: Sequence[ProposedVisit], now: datetime
) -> Plan | None:
    """The patient's open plan of this protocol with exactly these visits, if there is one."""
    wanted = {(visit.sequence, visit.start, visit.clinician_id) for visit in visits}
    candidates = Appointment.objects.blocking(now).filter(
        plan__patient_id=patient_id,
        plan__protocol=protocol,
        plan__status__in=OPEN_PLAN_STATUSES,
        start__in=[visit.start for visit in visits],
    )
    plan_ids = set(candidates.values_list("plan_id", flat=True))
    for plan in Plan.objects.filter(pk__in=plan_ids).order_by("pk"):
        held = {
            (sequence, start, clinician_id)
            for sequence, start, clinician_id in plan.appointments.active().values_list(
                "sequence", "start", "clinician_id"
            )
        }
        if held == wanted:
            return plan
    return None


def _refuse_patient_clash(
    patient_id: int,
    intervals: Sequence[tuple[datetime, datetime]],
    now: datetime,
    moving_id: int | None = None,
) -> None:
    """One patient cannot be in two places: refuse a visit overlapping another of theirs."""
    overlaps = Q()
    for start, end in intervals:
        overlaps |= Q(start__lt=end, end__gt=start)
    clash = (
        Appointment.objects.blocking(now)
        .filter(overlaps, plan__patient_id=patient_id)
        .exclude(pk=moving_id)
        .exists()
    )
    if clash:
        raise PatientAlreadyBooked()


def _calendar_for(
    protocol: Protocol,
    visits: Sequence[ProposedVisit],
    now: datetime,
    online: bool,
    clinician_ids: Sequence[int],
) -> Calendar:
    return Calendar(
        protocol=protocol,
        first_day=min(local_date(visit.start) for visit in visits),
        last_day=max(local_date(visit.start) for visit in visits),
        now=now,
        online=online,
        clinician_ids=clinician_ids,
    )


def appointment_changeable_online(
    *, plan: Plan, appointment: Appointment, now: datetime, rules: BookingRules | None = None
) -> bool:
    """Whether the patient may move or cancel this visit from their link: the one rule the
    manage page's buttons show and the services enforce."""
    rules = rules or BookingRules.from_settings()
    return _change_refusal(plan, appointment, rules, now, online=True) is None


def _require_changeable(
    plan: Plan, appointment: Appointment, rules: BookingRules, now: datetime, online: bool
) -> None:
    refusal = _change_refusal(plan, appointment, rules, now, online)
    if refusal is not None:
        raise refusal


def _change_refusal(
    plan: Plan, appointment: Appointment, rules: BookingRules, now: datetime, online: bool
) -> BookingError | None:
    if plan.status not in OPEN_PLAN_STATUSES or appointment.status != AppointmentStatus.BOOKED:
        return InvalidPlanState()
    if plan.status == PlanStatus.HELD and not plan.hold_is_live(now):
        return InvalidPlanState(
            _("The times held for this course ran out. Please choose times again.")
        )
    if appointment.start <= now:
        return TooLateToChange(_("This appointment has already started or passed."))
    if online and appointment.start < later_by(now, rules.cancellation_notice):
        return TooLateToChange(_cancellation_notice_message(rules))
    return None


def _require_live_hold(plan: Plan, now: datetime) -> None:
    """A held plan whose hold ran out has lost its times (the next booking frees them)."""
    if plan.status == PlanStatus.HELD and not plan.hold_is_live(now):
        raise InvalidPlanState(
            _("The times held for this course ran out. Please choose times again.")
        )


def _cancellation_notice_message(rules: BookingRules) -> str:
    hours = int(rules.cancellation_notice.total_seconds() // 3600)
    return ngettext(
        "Appointments can be changed online up to %(hours)s hour before they start. Please "
        "call the clinic.",
        "Appointments can be changed online up to %(hours)s hours before they start. Please "
        "call the clinic.",
        hours,
    ) % {"hours": hours}
