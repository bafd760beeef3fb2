"""Booking workflows. Each runs in one transaction: lock → re-check → write all rows, or none.

Locks are always taken in the same order — the plan, then clinicians by id, then devices by id —
so two bookings can wait for each other but never deadlock on these rows. On PostgreSQL the
locks are row locks (SELECT … FOR UPDATE) bounded by a lock timeout, and exclusion constraints
back the re-check: an overlap that slipped through would be refused by the database. On SQLite
every transaction starts with BEGIN IMMEDIATE (settings), so writers run one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.availability import Calendar, VisitSpec
from bookings.errors import (
    ClinicBusy,
    CourseRuleBroken,
    InvalidPlanState,
    SlotTaken,
    TooLateToChange,
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
from bookings.planner import ProposedVisit
from bookings.rules import BookingRules, Visit, course_problems, local_date, timing_problems
from treatments.models import Protocol

T = TypeVar("T")

OVERLAP_CONSTRAINTS = ("appointment_no_clinician_overlap", "appointment_no_device_overlap")


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
    and consent; `hold=False` (reception on the phone) confirms it at once.
    """
    now = now or timezone.now()
    rules = BookingRules.from_settings()
    problems = course_problems(protocol, [Visit(v.kind, v.sequence, v.start) for v in visits])
    if problems:
        raise CourseRuleBroken(" ".join(problems))
    ordered = sorted(visits, key=lambda visit: visit.sequence)

    def book() -> Plan:
        clinician_ids = sorted({visit.clinician_id for visit in ordered})
        _lock_clinicians_and_devices(clinician_ids, protocol, now)
        calendar = _calendar_for(protocol, ordered, now, online, clinician_ids)
        appointments = []
        for visit in ordered:
            spec = VisitSpec.for_visit(protocol, visit.sequence)
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
                    end=visit.start + timedelta(minutes=spec.minutes),
                    clinician_id=visit.clinician_id,
                    device_id=device_id,
                )
            )
        first_session = next(a for a in appointments if a.kind == AppointmentKind.SESSION)
        plan = Plan.objects.create(
            patient=patient,
            protocol=protocol,
            clinician_id=first_session.clinician_id,
            status=PlanStatus.HELD if hold else PlanStatus.CONFIRMED,
            hold_expires_at=now + rules.hold if hold else None,
        )
        for appointment in appointments:
            appointment.plan = plan
        Appointment.objects.bulk_create(appointments)
        return plan

    return _run_locked(book, rules)


def appointment_reschedule(
    *,
    appointment: Appointment,
    new_start: datetime,
    clinician: Clinician | None = None,
    online: bool = True,
    now: datetime | None = None,
) -> Appointment:
    """Move one visit, keeping the course's timing rules against its neighbours."""
    now = now or timezone.now()
    rules = BookingRules.from_settings()

    def move() -> Appointment:
        plan = _lock_plan(appointment.plan_id)
        current = Appointment.objects.get(pk=appointment.pk)
        _require_changeable(plan, current, rules, now, online)
        clinician_id = clinician.pk if clinician else current.clinician_id
        protocol = plan.protocol
        siblings = [
            Visit(sibling.kind, sibling.sequence, sibling.start)
            for sibling in plan.appointments.active().exclude(pk=current.pk)
        ]
        problems = timing_problems(
            protocol, [*siblings, Visit(current.kind, current.sequence, new_start)]
        )
        if problems:
            raise CourseRuleBroken(" ".join(problems))
        _lock_clinicians_and_devices([clinician_id], protocol, now)
        spec = VisitSpec.for_visit(protocol, current.sequence)
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
        current.end = new_start + timedelta(minutes=spec.minutes)
        current.clinician_id = clinician_id
        current.device_id = calendar.free_device(new_start, spec)
        current.save(update_fields=["start", "end", "clinician", "device", "updated_at"])
        return current

    return _run_locked(move, rules)


def appointment_cancel(
    *, appointment: Appointment, online: bool = True, now: datetime | None = None
) -> Appointment:
    """Cancel one session. Cancelling the last active one cancels the plan."""
    now = now or timezone.now()
    rules = BookingRules.from_settings()

    def cancel() -> Appointment:
        plan = _lock_plan(appointment.plan_id)
        current = Appointment.objects.get(pk=appointment.pk)
        _require_changeable(plan, current, rules, now, online)
        if current.kind == AppointmentKind.PREPARATION:
            raise InvalidPlanState(
                _(
                    "The preparation visit cannot be cancelled on its own, because the sessions "
                    "depend on it. Move it to another day, or cancel the whole course."
                )
            )
        current.status = AppointmentStatus.CANCELLED
        current.save(update_fields=["status", "updated_at"])
        if not plan.appointments.active().filter(kind=AppointmentKind.SESSION).exists():
            # No session left: a preparation visit still to come would serve nothing.
            plan.appointments.filter(status=AppointmentStatus.BOOKED, start__gt=now).update(
                status=AppointmentStatus.CANCELLED, updated_at=now
            )
            plan.status = PlanStatus.CANCELLED
            plan.hold_expires_at = None
            plan.save(update_fields=["status", "hold_expires_at"])
        return current

    return _run_locked(cancel, rules)


def plan_cancel(*, plan: Plan, online: bool = True, now: datetime | None = None) -> Plan:
    """Cancel the whole course and free every future time it holds."""
    now = now or timezone.now()
    rules = BookingRules.from_settings()

    def cancel() -> Plan:
        locked = _lock_plan(plan.pk)
        if locked.status not in OPEN_PLAN_STATUSES:
            raise InvalidPlanState()
        upcoming = locked.appointments.filter(status=AppointmentStatus.BOOKED, start__gt=now)
        if online and upcoming.filter(start__lt=now + rules.cancellation_notice).exists():
            raise TooLateToChange(_cancellation_notice_message(rules))
        upcoming.update(status=AppointmentStatus.CANCELLED, updated_at=now)
        locked.status = PlanStatus.CANCELLED
        locked.hold_expires_at = None
        locked.save(update_fields=["status", "hold_expires_at"])
        return locked

    return _run_locked(cancel, rules)


def plan_request_review(*, plan: Plan) -> Plan:
    """Screening flagged something: keep the times, but a clinician must approve the plan."""
    return _plan_transition(
        plan,
        allowed=(PlanStatus.HELD,),
        status=PlanStatus.AWAITING_REVIEW,
    )


def plan_confirm(
    *, plan: Plan, reviewer: Clinician | None = None, note: str = "", now: datetime | None = None
) -> Plan:
    """Confirm a held plan, or approve one awaiting review (then a reviewer is required)."""
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
        free_times=True,
    )


def plan_release_expired_holds(*, now: datetime | None = None) -> int:
    """Cancel held plans whose hold ran out (also done lazily inside every booking)."""
    now = now or timezone.now()
    return _run_locked(
        lambda: _cancel_expired_plans(Plan.objects.all(), now), BookingRules.from_settings()
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
    free_times: bool = False,
) -> Plan:
    now = now or timezone.now()

    def transition() -> Plan:
        locked = _lock_plan(plan.pk)
        if locked.status not in allowed:
            raise InvalidPlanState()
        if locked.status == PlanStatus.AWAITING_REVIEW and reviewer is None:
            raise InvalidPlanState(_("A clinician must review this plan first."))
        _require_live_hold(locked, now)
        locked.status = status
        locked.hold_expires_at = None
        fields = ["status", "hold_expires_at"]
        if reviewer is not None:
            locked.reviewed_by = reviewer
            locked.reviewed_at = now
            locked.review_note = note
            fields += ["reviewed_by", "reviewed_at", "review_note"]
        locked.save(update_fields=fields)
        if free_times:
            locked.appointments.active().update(status=AppointmentStatus.CANCELLED, updated_at=now)
        return locked

    return _run_locked(transition, BookingRules.from_settings())


def _run_locked(work: Callable[[], T], rules: BookingRules) -> T:
    """Run `work` in one transaction; lock waits and overlap violations become clear errors."""
    try:
        with transaction.atomic(), _lock_timeout(rules.lock_timeout_seconds):
            return work()
    except IntegrityError as error:
        if any(name in str(error) for name in OVERLAP_CONSTRAINTS):
            raise SlotTaken() from error
        raise
    except OperationalError as error:
        if _is_lock_failure(error):
            raise ClinicBusy() from error
        raise


@contextmanager
def _lock_timeout(seconds: int) -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # SET LOCAL ends with the transaction; a waiting booking gives up after this long.
            cursor.execute(f"SET LOCAL lock_timeout = '{int(seconds)}s'")
    yield


def _is_lock_failure(error: OperationalError) -> bool:
    text = str(error).lower()
    return any(
        phrase in text
        for phrase in ("lock timeout", "could not obtain lock", "deadlock", "database is locked")
    )


def _lock_plan(plan_id: int) -> Plan:
    return Plan.objects.select_for_update().select_related("protocol").get(pk=plan_id)


def _lock_clinicians_and_devices(
    clinician_ids: Sequence[int], protocol: Protocol, now: datetime
) -> None:
    """Lock the scarce rows this booking competes for, then release expired holds on them."""
    locked_clinicians = list(
        Clinician.objects.select_for_update()
        .filter(pk__in=clinician_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    device_ids: list[int] = []
    if protocol.needs_device:
        device_ids = list(
            Device.objects.select_for_update()
            .for_procedure(protocol.procedure)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    # Expired holds still occupy their rows (and the exclusion constraint): free them first.
    on_locked_rows = Q(clinician_id__in=locked_clinicians) | Q(device_id__in=device_ids)
    holding_locked_rows = Appointment.objects.active().filter(
        on_locked_rows, plan__status=PlanStatus.HELD, plan__hold_expires_at__lte=now
    )
    _cancel_expired_plans(Plan.objects.filter(pk__in=holding_locked_rows.values("plan_id")), now)


def _cancel_expired_plans(plans: QuerySet[Plan], now: datetime) -> int:
    """Cancel those of `plans` whose hold has run out; returns how many were cancelled.

    The plans are locked before their appointments are touched, in id order, as every other
    workflow does; the hold is checked under the lock.
    """
    expired = list(
        plans.select_for_update()
        .filter(status=PlanStatus.HELD, hold_expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if expired:
        Appointment.objects.active().filter(plan_id__in=expired).update(
            status=AppointmentStatus.CANCELLED, updated_at=now
        )
        Plan.objects.filter(pk__in=expired).update(
            status=PlanStatus.CANCELLED, hold_expires_at=None
        )
    return len(expired)


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


def _require_changeable(
    plan: Plan, appointment: Appointment, rules: BookingRules, now: datetime, online: bool
) -> None:
    if plan.status not in OPEN_PLAN_STATUSES or appointment.status != AppointmentStatus.BOOKED:
        raise InvalidPlanState()
    _require_live_hold(plan, now)
    if appointment.start <= now:
        raise TooLateToChange(_("This appointment has already started or passed."))
    if online and appointment.start - now < rules.cancellation_notice:
        raise TooLateToChange(_cancellation_notice_message(rules))


def _require_live_hold(plan: Plan, now: datetime) -> None:
    """A held plan whose hold ran out has lost its times (the next booking frees them)."""
    if plan.status == PlanStatus.HELD and plan.hold_expires_at <= now:
        raise InvalidPlanState(
            _("The times held for this course ran out. Please choose times again.")
        )


def _cancellation_notice_message(rules: BookingRules) -> str:
    hours = int(rules.cancellation_notice.total_seconds() // 3600)
    return _(
        "Appointments can be changed online up to %(hours)s hours before they start. Please "
        "call the clinic."
    ) % {"hours": hours}
