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
