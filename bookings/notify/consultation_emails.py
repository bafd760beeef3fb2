"""The emails of a consultation (issue 18): booked (with the .ics and the manage link), and the
clinician's recommendation afterwards (with the link that opens the booking of that course)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from bookings.engine.notices import RECOMMENDATION_MADE, notice_register
from bookings.engine.tokens import manage_link_create
from bookings.models import ManageLink, Plan, Recommendation
from bookings.notify.booking_emails import calendar_attachment, manage_url, plan_visits
from bookings.notify.emails import email_patient


def consultation_notify_booked(*, plan: Plan, base_url: str) -> bool:
    """The confirmation with the calendar file and the manage link, once per consultation."""
    with transaction.atomic():
        locked = (
            Plan.objects.select_for_update(no_key=True, of=("self",))
            .select_related("patient", "protocol", "consultation")
            .get(pk=plan.pk)
        )
        if ManageLink.objects.filter(plan=locked).exists():
            return False
        token = manage_link_create(plan=locked)
        appointments = plan_visits(locked)
        consultation_settings = getattr(locked, "consultation", None)
        email_patient(
            patient=locked.patient,
            plan=locked,
            template="consultation_confirmed",
            context={
                "protocol": locked.protocol,
                "appointments": [a for a in appointments if a.is_active],
                "topics": consultation_settings.topic_labels() if consultation_settings else [],
                "manage_url": manage_url(
                    base_url=base_url, token=token, language=locked.patient.preferred_language
                ),
            },
            attachments=[calendar_attachment(locked, appointments)],
        )
        return True


def recommendation_url(*, base_url: str, token: str, language: str) -> str:
    with translation.override(language):
        return base_url + reverse("bookings:recommended", kwargs={"token": token})


def recommendation_notify(*, recommendation: Recommendation, token: str, base_url: str) -> None:
    """The clinician's recommendation, with the link that opens the booking of that course."""
    patient = recommendation.consultation.patient
    email_patient(
        patient=patient,
        plan=recommendation.consultation,
        template="recommendation",
        context={
            "recommendation": recommendation,
            "protocol": recommendation.protocol,
            "currency": settings.CLINIC_CURRENCY,
            "booking_url": recommendation_url(
                base_url=base_url, token=token, language=patient.preferred_language
            ),
        },
    )


def recommendation_notice(
    plan: Plan, *, recommendation: Recommendation, token: str, base_url: str
) -> None:
    """The sender of the engine's RECOMMENDATION_MADE notice (clinical makes recommendations)."""
    recommendation_notify(recommendation=recommendation, token=token, base_url=base_url)


def consultation_notices_register() -> None:
    """How the recommendation notice is sent (called once, from BookingsConfig.ready)."""
    notice_register(RECOMMENDATION_MADE, recommendation_notice)
