"""What the engine and the apps on top of it tell a patient, without importing email code.

The engine (and clinical, which may use the engine only) names a notice — "the clinician
decided this plan" — and `bookings.notify` registers how it is sent (BookingsConfig.ready).
A small registry, not signals: one sender per notice, and sending an unregistered notice is an
error instead of silence.
"""

from __future__ import annotations

from collections.abc import Callable

from bookings.models import Plan

PLAN_APPROVED = "plan_approved"
PLAN_DECLINED = "plan_declined"
# A clinician's recommendation after a consultation (details: recommendation, token, base_url).
RECOMMENDATION_MADE = "recommendation_made"

Sender = Callable[..., None]
_senders: dict[str, Sender] = {}


def notice_register(kind: str, sender: Sender) -> None:
    _senders[kind] = sender


def notice_send(kind: str, *, plan: Plan, **details: object) -> None:
    """Queue the patient's message (inside the caller's transaction: rolled back with it)."""
    try:
        sender = _senders[kind]
    except KeyError:
        raise RuntimeError(f"No sender is registered for the notice {kind!r}.") from None
    sender(plan, **details)
