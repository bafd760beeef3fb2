"""Calendar files (.ics) for a patient's plan, made with the icalendar library.

- One VEVENT per appointment, its times in the clinic's zone with that zone's VTIMEZONE, so a
  calendar app shows 10:00 as 10:00 in Berlin whatever the phone's zone.
- A UID per appointment that never changes (`appointment-<id>@<clinic domain>`), so importing an
  updated file moves the event instead of adding a second one.
- SEQUENCE rises with every change of the appointment. It is derived from `updated_at` (tenths of
  a second since the appointment was created), which every workflow already sets when it changes
  an appointment — the services, reception, the clinician area — so no counter can be forgotten.
  Tenths keep it inside the 32-bit integer RFC 5545 allows for almost seven years; only two
  changes of one appointment within the same tenth of a second would share a number.
- `plan_calendar()` is METHOD:PUBLISH with every visit (cancelled ones as STATUS:CANCELLED);
  `cancellation_calendar()` is METHOD:CANCEL for the visits just cancelled. A calendar file has
  one METHOD, so a change that cancels sends the second kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from bookings.engine.rules import clinic_zone
from bookings.engine.rules import visit_title as course_visit_title
from bookings.models import Appointment, AppointmentStatus, Plan, PlanKind

PRODID = "-//Lumen Skin Clinic//Exosome booking//EN"


def clinic_domain() -> str:
    return settings.CLINIC_EMAIL.rpartition("@")[2] or "clinic.invalid"


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{clinic_domain()}"


def appointment_sequence(appointment: Appointment) -> int:
    """Rises with every change: tenths of a second between creation and the last update."""
    if appointment.updated_at is None or appointment.created_at is None:
        return 0
    elapsed = appointment.updated_at - appointment.created_at
    return min(max(int(elapsed.total_seconds() * 10), 0), 2**31 - 1)


def visit_title(plan: Plan, appointment: Appointment) -> str:
    if plan.kind == PlanKind.CONSULTATION:
        return str(_("Consultation"))
    assert plan.protocol is not None  # a course always has one (plan_course_has_protocol)
    what = course_visit_title(
        sequence=appointment.sequence,
        session_count=plan.protocol.session_count,
        preparation_name=str(plan.protocol.preparation_name),
    )
    return f"{plan.protocol.name}: {what}"


def _calendar(method: str, appointments: Sequence[Appointment]) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    zone = clinic_zone()
    if appointments:
        first = min(a.start for a in appointments).astimezone(zone).date()
        last = max(a.end for a in appointments).astimezone(zone).date()
        calendar.add_component(
            Timezone.from_tzinfo(
                zone,
                tzid=settings.TIME_ZONE,
                first_date=first - timedelta(days=366),
                last_date=last + timedelta(days=366),
            )
        )
    return calendar


def _event(plan: Plan, appointment: Appointment, *, cancelled: bool) -> Event:
    zone = clinic_zone()
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment_sequence(appointment))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", visit_title(plan, appointment))
    event.add("location", vText(f"{settings.CLINIC_NAME}, {settings.CLINIC_ADDRESS}"))
    event.add(
        "description",
        _("Questions or changes: %(phone)s, %(email)s")
        % {"phone": settings.CLINIC_PHONE, "email": settings.CLINIC_EMAIL},
    )
    organizer = vCalAddress(f"mailto:{settings.CLINIC_EMAIL}")
    organizer.params["cn"] = vText(settings.CLINIC_NAME)
    event.add("organizer", organizer)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def plan_calendar(plan: Plan, appointments: Sequence[Appointment]) -> bytes:
    """Every visit of the plan (METHOD:PUBLISH), in the patient's language."""
    with translation.override(plan.patient.preferred_language):
        calendar = _calendar("PUBLISH", appointments)
        for appointment in appointments:
            calendar.add_component(
                _event(
                    plan,
                    appointment,
                    cancelled=appointment.status == AppointmentStatus.CANCELLED,
                )
            )
        return calendar.to_ical()


def cancellation_calendar(plan: Plan, appointments: Sequence[Appointment]) -> bytes:
    """METHOD:CANCEL for these visits: calendar apps remove the events with the same UID."""
    with translation.override(plan.patient.preferred_language):
        calendar = _calendar("CANCEL", appointments)
        for appointment in appointments:
            calendar.add_component(_event(plan, appointment, cancelled=True))
        return calendar.to_ical()
