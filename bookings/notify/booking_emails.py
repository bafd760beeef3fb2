"""The emails that tell a patient their course is booked, whichever channel booked it.

`plan_notify_booked()` writes the manage link and the confirmation (or "awaiting review") email
together, and only if the plan has no manage link yet: a second submission sends nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from bookings.engine.locks import lock_plans
from bookings.engine.notices import PLAN_APPROVED, PLAN_DECLINED, notice_register
from bookings.engine.rules import clinic_zone
from bookings.engine.tokens import manage_link_create
from bookings.models import Appointment, ManageLink, Plan, PlanStatus
from bookings.notify.emails import Attachment, email_patient
from bookings.notify.ics import plan_calendar

# A clinician answers a plan awaiting review within this many working days (shown to the patient).
REVIEW_WORKING_DAYS = 2


def review_deadline(now: datetime) -> date:
    """The day by which a clinician answers: REVIEW_WORKING_DAYS working days from now."""
    day = timezone.localtime(now).date()
    remaining = REVIEW_WORKING_DAYS
    while remaining:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


def manage_url(*, base_url: str, token: str, language: str) -> str:
    with translation.override(language):
        return base_url + reverse("bookings:manage", kwargs={"token": token})


def consent_url(*, base_url: str, token: str, language: str) -> str:
    """Where the patient reads and accepts the consent (a phone booking is booked without it)."""
    with translation.override(language):
        return base_url + reverse("bookings:manage-consent", kwargs={"token": token})


def plan_visits(plan: Plan) -> list[Appointment]:
    return list(plan.appointments.select_related("clinician").order_by("sequence", "start"))


def calendar_attachment(plan: Plan, appointments: Sequence[Appointment]) -> Attachment:
    return Attachment(
        filename="treatment-course.ics",
        content=plan_calendar(plan, appointments),
        content_type="text/calendar",
    )


def plan_notify_booked(*, plan: Plan, base_url: str) -> bool:
    """The manage link and the confirmation (or "awaiting review") email, once per plan."""
    with transaction.atomic():
        lock_plans([plan.pk])  # the engine's plan lock (engine.locks)
        locked = Plan.objects.select_related("patient", "protocol").get(pk=plan.pk)
        if ManageLink.objects.filter(plan=locked).exists():
            return False
        token = manage_link_create(plan=locked)
        appointments = plan_visits(locked)
        awaiting = locked.status == PlanStatus.AWAITING_REVIEW
        email_patient(
            patient=locked.patient,
            plan=locked,
            template="booking_awaiting_review" if awaiting else "booking_confirmed",
            context={
                "protocol": locked.protocol,
                "currency": settings.CLINIC_CURRENCY,
                "appointments": [a for a in appointments if a.is_active],
                "manage_url": manage_url(
                    base_url=base_url, token=token, language=locked.patient.preferred_language
                ),
                "review_by": review_deadline(timezone.now()) if awaiting else None,
                "consent_url": None
                if locked.has_consent()
                else consent_url(
                    base_url=base_url, token=token, language=locked.patient.preferred_language
                ),
            },
            attachments=[calendar_attachment(locked, appointments)],
        )
        return True


def plan_notify_decided(plan: Plan, *, template: str) -> None:
    """The clinician's decision (approved or declined), with the visits it keeps or frees."""
    plan = Plan.objects.select_related("patient", "protocol").get(pk=plan.pk)
    zone = clinic_zone()
    with translation.override(plan.patient.preferred_language):
        visits = [
            {"start": appointment.start.astimezone(zone), "kind": appointment.get_kind_display()}
            for appointment in plan.appointments.active().order_by("start")
        ]
    # The review note is a clinical record, not a message: it is not put in the email, which
    # invites the patient to call instead.
    email_patient(
        patient=plan.patient,
        plan=plan,
        template=template,
        context={"protocol_name": plan.protocol.name, "visits": visits},
    )


def notices_register() -> None:
    """How the engine's notices are sent (called once, from BookingsConfig.ready)."""
    for kind in (PLAN_APPROVED, PLAN_DECLINED):
        notice_register(kind, functools.partial(plan_notify_decided, template=kind))
