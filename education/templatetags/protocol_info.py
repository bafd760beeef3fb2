"""What a protocol page shows from the outer apps: its medical review and its screening rows.

The catalogue app must not import the booking or education apps (treatments ← bookings ←
education), so the protocol template loads these tags instead of its view querying them.
"""

from __future__ import annotations

from django import template
from django.conf import settings

from bookings.models import ScreeningOutcome, ScreeningQuestion
from education.models import ProtocolReview
from treatments.models import Protocol

register = template.Library()


@register.simple_tag
def protocol_review(protocol: Protocol) -> ProtocolReview | None:
    """The review with its reviewer and sources (two queries), or None when not reviewed."""
    return (
        ProtocolReview.objects.select_related("reviewed_by")
        .prefetch_related("sources")
        .filter(protocol=protocol)
        .first()
    )


@register.simple_tag
def protocol_screening(protocol: Protocol) -> dict[str, list[ScreeningQuestion]]:
    """The booking screening's questions for this protocol, by what a "yes" leads to.

    The same rows the booking flow asks (`ScreeningQuestion.objects.for_protocol`), so the
    page and the booking cannot disagree.
    """
    questions = list(ScreeningQuestion.objects.for_protocol(protocol))
    return {
        "block": [q for q in questions if q.yes_outcome == ScreeningOutcome.BLOCK],
        "review": [q for q in questions if q.yes_outcome == ScreeningOutcome.REVIEW],
    }


@register.simple_tag
def booking_cancellation_hours() -> int:
    """How long before a session patients may still move or cancel it online (a setting)."""
    return settings.BOOKING_CANCELLATION_NOTICE_HOURS
