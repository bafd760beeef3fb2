"""The online booking funnel: how many booking flows reached each step, per day, protocol and
language, as aggregate counters with no personal data.

The public booking views call `funnel_step()` with one line per step. Nothing about the visitor
is stored (no id, no address, no time of day) and no cookie is set for it: the booking flow's
own server-side session (which exists anyway, to carry the patient's answers) remembers which
steps of *this* flow were counted, so a reload or a back button does not count a step twice.
The first step, "screening started", is counted when the screening page is shown without a
flow for it, so it has no such memory (a reload counts again; see docs/reports.md).

The counter itself is `bookings.engine.funnel.funnel_increment`; the reports app reads the
counters (`reports.selectors`); `bookings` never imports it.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest
from django.utils import timezone, translation

from bookings.engine.funnel import funnel_increment
from bookings.models import FunnelStep, Plan, PlanStatus
from treatments.models import Protocol

logger = logging.getLogger(__name__)

FLOW_KEY = "funnel"


def funnel_step(request: HttpRequest, flow: dict | None, *, protocol: Protocol, step: str) -> None:
    """Count that this booking flow reached `step` (once per flow), never failing the page.

    `flow` is the booking flow kept in the session (or None before it exists).
    """
    if step == FunnelStep.STARTED and flow is not None:
        return  # back on the screening page of a flow already counted
    if flow is not None:
        counted = flow.setdefault(FLOW_KEY, [])
        if step in counted:
            return
        counted.append(step)
        request.session.modified = True
    language = (translation.get_language() or "")[:8]
    counter = {"day": timezone.localdate(), "protocol_id": protocol.pk, "language": language}
    try:
        # One statement in autocommit (the booking views run without ATOMIC_REQUESTS), and no
        # savepoint of its own: the pages stay inside their query budgets. A failure is logged
        # and the page goes on.
        funnel_increment(**counter, step=step)
    except DatabaseError:
        logger.warning("booking funnel counter not written", extra={"event": "funnel_failed"})


def funnel_completed(
    request: HttpRequest, flow: dict | None, *, protocol: Protocol, plan: Plan
) -> None:
    """The flow ended in a booking: confirmed at once, or sent to a clinician for review."""
    step = FunnelStep.REVIEW if plan.status == PlanStatus.AWAITING_REVIEW else FunnelStep.CONFIRMED
    funnel_step(request, flow, protocol=protocol, step=step)
