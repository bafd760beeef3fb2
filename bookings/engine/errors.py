"""Booking errors: each carries a message a patient or a receptionist can read and act on.

Views and the admin show `error.message`; none of these is ever a server error.
"""

from django.utils.translation import gettext_lazy as _


class BookingError(Exception):
    default_message = _("This booking could not be made.")

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class SlotTaken(BookingError):
    default_message = _("That time was just taken. Please choose another time.")


class ClinicBusy(BookingError):
    default_message = _(
        "The clinic's calendar is busy right now. Nothing was booked; please try again in a moment."
    )


class SlotUnavailable(BookingError):
    """The chosen time is outside what the clinic offers (hours, lead time, horizon…)."""

    default_message = _("That time is not available. Please choose another time.")


class CourseRuleBroken(BookingError):
    default_message = _("Those dates do not keep the course's time between sessions.")


class NoCourseFits(BookingError):
    default_message = _("We could not find free times for the whole course.")


class TooLateToChange(BookingError):
    default_message = _("This appointment is too close to change online. Please call the clinic.")


class InvalidPlanState(BookingError):
    default_message = _("This course can no longer be changed this way.")


class NotFound(BookingError):
    """A patient, plan, appointment or clinician that the caller named no longer exists."""

    default_message = _("This booking could not be found. It may have been changed or removed.")


class TreatmentUnavailable(BookingError):
    default_message = _("This treatment cannot be booked at the moment.")


class PatientAlreadyBooked(BookingError):
    """The patient has another visit at that time (with another clinician, or of another plan)."""

    default_message = _(
        "You already have another appointment at that time. Please choose another time."
    )


class ScreeningBlocks(BookingError):
    """An answer to the screening means a clinician must see the patient before any booking."""

    default_message = _(
        "Because of an answer to the screening, this course cannot be booked before a clinician "
        "has seen the patient. Nothing was booked."
    )


class ConsentMissing(BookingError):
    """The patient has not consented to the course: no approval and no treatment until then."""

    default_message = _(
        "The patient has not consented to this course yet. They can read and accept the consent "
        "with the link in their booking email, or reception records the consent they give in "
        "person at check-in. Nothing was changed."
    )


class ProposalChanged(BookingError):
    """The page confirmed a course that is no longer the one held (another tab changed it)."""

    default_message = _(
        "Nothing was booked: the times on that page were changed in another tab or window. "
        "Please check the course below and confirm it again."
    )


class PatientMayExist(BookingError):
    """A phone booking's caller may already be a patient: staff must choose (engine.patients)."""

    default_message = _(
        "This caller may already be a patient. Choose the matching patient below, or confirm "
        "that this is a different person. Nothing was booked."
    )

    def __init__(self, matches: list, message: str | None = None) -> None:
        self.matches = matches
        super().__init__(message)


# --- database errors -------------------------------------------------------------------------

# PostgreSQL error codes (SQLSTATE). Never match an error's words: PostgreSQL translates them
# under `lc_messages`, so a German server would turn every refusal into a server error.
EXCLUSION_VIOLATION = "23P01"
FOREIGN_KEY_VIOLATION = "23503"
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout or NOWAIT
DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
# SQLite's result codes: another connection holds the write lock (SQLITE_BUSY, SQLITE_LOCKED;
# extended codes are masked to their primary code), and a foreign key that points nowhere.
SQLITE_BUSY_CODES = frozenset({5, 6})
SQLITE_CONSTRAINT_FOREIGNKEY = 787

OVERLAP_CONSTRAINTS = frozenset(
    {"appointment_no_clinician_overlap", "appointment_no_device_overlap"}
)


def booking_error_for(error: BaseException) -> BookingError | None:
    """The engine's error for a database error, or None when it is not one we expect.

    Django wraps the driver's exception; the driver's own is its `__cause__` (psycopg: `sqlstate`
    and `diag.constraint_name`; sqlite3: `sqlite_errorcode`).
    """
    cause = error.__cause__ if error.__cause__ is not None else error
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
        if sqlstate == EXCLUSION_VIOLATION and constraint in OVERLAP_CONSTRAINTS:
            return SlotTaken()
        if sqlstate in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED, SERIALIZATION_FAILURE):
            return ClinicBusy()
        if sqlstate == FOREIGN_KEY_VIOLATION:
            return NotFound()
        return None
    code = getattr(cause, "sqlite_errorcode", None)
    if code is None:
        return None
    if code & 0xFF in SQLITE_BUSY_CODES:
        return ClinicBusy()
    if code == SQLITE_CONSTRAINT_FOREIGNKEY:
        return NotFound()
    return None


class ReplacedPlanChanged(InvalidPlanState):
    """The course a new one was to replace (moved earlier) is no longer open: nothing changed."""

    default_message = _("The course to be moved has changed meanwhile. Nothing was changed.")
