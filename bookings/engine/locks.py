"""Every lock the booking engine takes: one transaction shape, one order, one strength.

**The transaction.** `with booking_transaction():` opens one durable transaction (as pretix
places orders), sets PostgreSQL's `lock_timeout` for it, and turns lock waits, deadlocks and
overlaps into the engine's errors (`ClinicBusy`, `SlotTaken`, `NotFound`, by SQLSTATE, never by
message). Call it outside any transaction: nested, it raises `RuntimeError` instead of holding
the calendar's locks for the rest of the caller's work. Rows it returns are committed.

**The order.** Every workflow takes its locks in this one order, so two of them can queue but
never wait for each other in a circle:

0. the proposal being placed, and a new visitor's identity (advisory locks, `lock_proposal`);
1. plans, by id (`lock_plans`): the plans it changes (an appointment's *stored* plan, never the
   caller's `plan_id`: `lock_appointment`), and held plans whose hold ran out that still sit on
   the clinicians and devices it books (found by a read before any lock);
2. patients, by id (`lock_patients`);
3. the clinicians it books, by id (`lock_clinicians`);
4. the devices of the protocol's procedure, by id (`lock_devices`).

**The strength.** `SELECT … FOR NO KEY UPDATE OF <table>`: only the rows named (not the
protocol a join reads), and no conflict with the key-share lock that inserting a plan or an
appointment takes on the rows its foreign keys point to. The one exception is a patient row
about to be deleted (a merge, an erasure): `lock_patients(..., deleting=True)` takes FOR UPDATE,
so that no new plan can point at it meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import IntegrityError, OperationalError, connection, transaction

from bookings.engine.errors import NotFound, booking_error_for
from bookings.engine.rules import BookingRules
from bookings.models import Appointment, Clinician, Device, Patient, Plan


@contextmanager
def booking_transaction(rules: BookingRules | None = None) -> Iterator[None]:
    """One durable transaction with the lock timeout; database refusals become BookingErrors."""
    rules = rules or BookingRules.from_settings()
    try:
        with transaction.atomic(durable=True):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Ends with the transaction; a waiting booking gives up after this long.
                    cursor.execute(f"SET LOCAL lock_timeout = '{int(rules.lock_timeout_seconds)}s'")
            yield
    except (IntegrityError, OperationalError) as error:
        refusal = booking_error_for(error)
        if refusal is None:
            raise
        raise refusal from error


def lock_proposal(proposal_id: str, identities: Sequence[str] = ()) -> None:
    """Placements of one proposal (and of one new visitor) run one after the other.

    PostgreSQL transaction-scoped advisory locks, taken first: on the proposal and on every key
    by which the visitor may match an existing patient (`patient_identity_keys`: email, phone,
    name with date of birth), so that two desks booking one new caller, one with the email and
    one with only the phone, queue instead of both creating a patient; always in the order of
    the lock ids, so that they never deadlock.
    SQLite runs one writer at a time already (BEGIN IMMEDIATE).
    """
    if connection.vendor != "postgresql":
        return
    keys = [f"proposal:{proposal_id}", *(f"identity:{key}" for key in identities)]
    with connection.cursor() as cursor:
        # One statement, in the order of the lock ids (the select list of a query with ORDER BY
        # is evaluated in sorted order): every placement takes them in one global order.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(lock_id) FROM "
            "(SELECT DISTINCT hashtext(key) AS lock_id FROM unnest(%s::text[]) AS key) AS ids "
            "ORDER BY lock_id",
            [keys],
        )


def lock_plans(plan_ids: Sequence[int] | set[int], *, missing_ok: bool = False) -> list[Plan]:
    """Lock plans in id order; `NotFound` if one is gone (unless `missing_ok`)."""
    plans = list(
        Plan.objects.select_for_update(no_key=True, of=("self",))
        .select_related("protocol")
        .filter(pk__in=plan_ids)
        .order_by("pk")
    )
    if not missing_ok and len(plans) != len(set(plan_ids)):
        raise NotFound()
    return plans


def lock_appointment(appointment_id: int | None) -> tuple[Plan, Appointment]:
    """Lock the appointment's stored plan, then re-read the appointment under that lock."""
    plan_id = Appointment.objects.filter(pk=appointment_id).values_list("plan_id", flat=True)
    plan_id = plan_id.first()
    if plan_id is None:
        raise NotFound()
    (plan,) = lock_plans([plan_id])
    current = Appointment.objects.filter(pk=appointment_id, plan_id=plan.pk).first()
    if current is None:
        raise NotFound()
    return plan, current


def lock_patients(patient_ids: Sequence[int], *, deleting: bool = False) -> dict[int, Patient]:
    """Lock patients in id order (FOR UPDATE only when a row is about to be deleted)."""
    rows = Patient.objects.select_for_update(no_key=not deleting).filter(pk__in=patient_ids)
    return {patient.pk: patient for patient in rows.order_by("pk")}


def lock_clinicians(clinician_ids: Sequence[int]) -> list[int]:
    return list(
        Clinician.objects.select_for_update(no_key=True)
        .filter(pk__in=clinician_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def lock_devices(device_ids: Sequence[int]) -> list[int]:
    return list(
        Device.objects.select_for_update(no_key=True)
        .filter(pk__in=device_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
