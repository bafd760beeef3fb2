"""Database errors become the engine's errors by their SQLSTATE and constraint name, never by
their words (PostgreSQL translates messages under `lc_messages`)."""

import threading
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from bookings.engine.errors import (
    ClinicBusy,
    NotFound,
    SlotTaken,
    booking_error_for,
)
from bookings.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Clinician,
    Plan,
    PlanStatus,
)
from bookings.reception import workflows as reception_module
from bookings.reception.workflows import (
    appointment_check_in,
)
from tests.bookings.conftest import MONDAY, at
from tests.bookings.reception_fixtures import *  # noqa: F403 (the personas' fixtures)
from tests.bookings.reception_fixtures import (
    visit_in,
)
from tests.factories import PatientFactory

only_on_postgres = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="exclusion constraints, lock timeouts and deadlocks are PostgreSQL's (CI runs them)",
    ),
]


def driver_error(sqlstate: str, constraint: str | None, words: str) -> Exception:
    """What Django raises: its own class, with the driver's error (psycopg's shape) as cause."""
    cause = Exception(words)
    cause.sqlstate = sqlstate
    cause.diag = SimpleNamespace(constraint_name=constraint)
    error = IntegrityError(words) if sqlstate.startswith("23") else OperationalError(words)
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("sqlstate", "constraint", "expected"),
    [
        ("23P01", "appointment_no_clinician_overlap", SlotTaken),
        ("23P01", "appointment_no_device_overlap", SlotTaken),
        ("55P03", None, ClinicBusy),
        ("40P01", None, ClinicBusy),
        ("23503", "bookings_plan_patient_id_fk", NotFound),
    ],
)
def test_errors_are_told_apart_by_code_whatever_the_server_language(sqlstate, constraint, expected):
    german = "FEHLER: Sperrzeitüberschreitung / Konflikt mit Schlüsselwert"

    assert isinstance(booking_error_for(driver_error(sqlstate, constraint, german)), expected)


@pytest.mark.parametrize(
    ("sqlstate", "constraint"),
    [("23P01", "some_other_exclusion"), ("23514", "appointment_start_before_end"), ("42P01", None)],
)
def test_other_database_errors_are_not_disguised_as_refusals(sqlstate, constraint):
    # Not a refusal the engine knows: the error must surface (and be fixed), not become "taken".
    words = "lock timeout deadlock appointment_no_clinician_overlap database is locked"

    assert booking_error_for(driver_error(sqlstate, constraint, words)) is None


# --- real errors from PostgreSQL ---------------------------------------------------------------


def new_appointment(clinician: Clinician, start: str, end: str) -> Appointment:
    plan = Plan.objects.create(
        patient=PatientFactory(),
        protocol=clinician.protocols.first(),
        clinician=clinician,
        status=PlanStatus.CONFIRMED,
    )
    return Appointment.objects.create(
        plan=plan,
        kind=AppointmentKind.SESSION,
        sequence=1,
        start=at(MONDAY, start),
        end=at(MONDAY, end),
        clinician=clinician,
    )


class TestOnPostgres:
    pytestmark = only_on_postgres

    def test_a_real_exclusion_violation_is_slot_taken(self, clinician):
        new_appointment(clinician, "10:00", "11:00")

        with pytest.raises(IntegrityError) as caught:
            new_appointment(clinician, "10:30", "11:30")

        assert caught.value.__cause__.sqlstate == "23P01"
        assert caught.value.__cause__.diag.constraint_name == "appointment_no_clinician_overlap"
        assert isinstance(booking_error_for(caught.value), SlotTaken)

    def test_a_real_lock_timeout_is_clinic_busy(self, clinician):
        locked, release = threading.Event(), threading.Event()

        def holder() -> None:
            with transaction.atomic():
                Clinician.objects.select_for_update().get(pk=clinician.pk)
                locked.set()
                release.wait(timeout=10)
            connection.close()

        thread = threading.Thread(target=holder)
        thread.start()
        locked.wait(timeout=10)
        try:
            with pytest.raises(OperationalError) as caught, transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '200ms'")
                Clinician.objects.select_for_update().get(pk=clinician.pk)
        finally:
            release.set()
            thread.join()

        assert caught.value.__cause__.sqlstate == "55P03"
        assert isinstance(booking_error_for(caught.value), ClinicBusy)

    def test_a_real_deadlock_is_clinic_busy(self, clinician, second_clinician):
        barrier = threading.Barrier(2)
        errors: list[Exception] = []

        def lock_both(first: int, second: int) -> None:
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL deadlock_timeout = '100ms'")
                    Clinician.objects.select_for_update().get(pk=first)
                    barrier.wait(timeout=10)
                    Clinician.objects.select_for_update().get(pk=second)
            except OperationalError as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=lock_both, args=(clinician.pk, second_clinician.pk)),
            threading.Thread(target=lock_both, args=(second_clinician.pk, clinician.pk)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert len(errors) == 1
        assert errors[0].__cause__.sqlstate == "40P01"
        assert isinstance(booking_error_for(errors[0]), ClinicBusy)


# --- database errors by SQLSTATE, never by words ---------------------------------------------


class _GermanLockTimeout(Exception):
    """What psycopg raises on a German server: the words translated, the code not."""

    sqlstate = "55P03"


@pytest.mark.usefixtures("midday")
def test_a_lock_timeout_in_another_language_is_clinic_busy_not_a_server_error(
    course, weber, monkeypatch
):
    visit = visit_in(5, course, weber)

    def lock_timeout(appointment_id):
        error = OperationalError("FEHLER:  Sperrzeitüberschreitung")
        error.__cause__ = _GermanLockTimeout()
        raise error

    # The engine's plan lock (engine.locks.lock_appointment) is where a lock wait runs out.
    monkeypatch.setattr(reception_module, "lock_appointment", lock_timeout)

    with pytest.raises(ClinicBusy):
        appointment_check_in(appointment=visit)
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.BOOKED
