"""Booking wording shared by the patient emails: visit names and the online change deadline."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from bookings.engine.rules import BookingRules
from bookings.engine.rules import visit_title as _visit_title
from treatments.models import Protocol

register = template.Library()


@register.simple_tag
def visit_title(sequence: int, protocol: Protocol | None) -> str:
    if protocol is None:  # a consultation (issue 18): its emails pass no protocol
        return _visit_title(kind="consultation", sequence=1, session_count=1)
    return _visit_title(
        sequence=sequence,
        session_count=protocol.session_count,
        preparation_name=str(protocol.preparation_name),
    )


@register.simple_tag
def change_deadline(start: datetime) -> datetime | None:
    """Until when the patient may still move or cancel this visit online, or None once passed.

    The same rule the booking services enforce (BOOKING_CANCELLATION_NOTICE_HOURS before the
    start, in real time), so the email never promises a change the site would refuse.
    """
    deadline = BookingRules.from_settings().change_deadline(start)
    return deadline if deadline > timezone.now() else None
