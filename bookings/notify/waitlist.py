"""Waitlist emails and background tasks (the engine's waitlist names them; this sends them).

- After every freeing commits (engine.freed), `waitlist_offer_search` is enqueued: the offer
  search runs in the tasks worker, never in the patient's or reception's request.
- Each offer enqueues `waitlist_offers_expire` to run when it ends (backends that can defer);
  `manage.py waitlist_sweep` does the same as a periodic sweep.
- Emails go through the outbox (`email_patient`), written in the same transaction as the entry
  or offer they belong to: exactly once. Every waitlist email carries the leave link.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from bookings.engine.freed import FreedTime, freed_listen
from bookings.engine.rules import clinic_zone
from bookings.engine.waitlist import (
    offer_sender_register,
    offers_expire,
    offers_search,
    waitlist_end_passed,
    waitlist_token_hash,
    waitlist_token_new,
)
from bookings.models import WaitlistEntry, WaitlistOffer
from bookings.notify.emails import email_patient

logger = logging.getLogger(__name__)


def _url(name: str, token: str, language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(f"bookings:{name}", kwargs={"token": token})


def _leave_url(entry: WaitlistEntry) -> str:
    """A fresh leave token for this email (only the newest one works: one hash is kept)."""
    token = waitlist_token_new()
    WaitlistEntry.objects.filter(pk=entry.pk).update(leave_token_hash=waitlist_token_hash(token))
    return _url("waitlist-leave", token, entry.patient.preferred_language)


def waitlist_send_verify(*, entry: WaitlistEntry, verify_token: str, leave_token: str) -> None:
    language = entry.patient.preferred_language
    email_patient(
        patient=entry.patient,
        template="waitlist_verify",
        context={
            "protocol_name": entry.protocol.name,
            "entry": entry,
            "verify_url": _url("waitlist-verify", verify_token, language),
            "leave_url": _url("waitlist-leave", leave_token, language),
        },
    )


def waitlist_send_offer(*, offer: WaitlistOffer, claim_token: str, now: datetime) -> None:
    entry = WaitlistEntry.objects.select_related("patient", "protocol").get(pk=offer.entry_id)
    zone = clinic_zone()
    language = entry.patient.preferred_language
    with translation.override(language):
        visits = [
            {"start": a.start.astimezone(zone), "kind": a.get_kind_display()}
            for a in offer.plan.appointments.active().order_by("start")
        ]
    email_patient(
        patient=entry.patient,
        plan=offer.plan,
        template="waitlist_offer",
        context={
            "protocol_name": entry.protocol.name,
            "visits": visits,
            "expires_at": offer.expires_at.astimezone(zone),
            "claim_url": _url("waitlist-claim", claim_token, language),
            "leave_url": _leave_url(entry),
            "moves_course": entry.plan_id is not None,
        },
    )
    expires_at = offer.expires_at
    transaction.on_commit(lambda: _enqueue_expiry(expires_at))


def _enqueue_expiry(run_after: datetime) -> None:
    if not waitlist_offers_expire.get_backend().supports_defer:
        return  # the sweep (manage.py waitlist_sweep) passes it on
    try:
        waitlist_offers_expire.using(run_after=run_after).enqueue()
    except Exception:
        logger.exception("Could not enqueue the offer expiry; the sweep will do it")


def _on_time_freed(event: FreedTime) -> None:
    waitlist_offer_search.enqueue(
        event.key, list(event.protocol_ids), list(event.plan_ids), event.freed_at.isoformat()
    )


@task()
def waitlist_offer_search(
    key: str, protocol_ids: list[int], plan_ids: list[int], freed_at: str
) -> int | None:
    """Find who gets a freed time (the background half of engine.freed)."""
    offer = offers_search(
        freed=FreedTime(
            key=key,
            protocol_ids=tuple(protocol_ids),
            plan_ids=tuple(plan_ids),
            freed_at=datetime.fromisoformat(freed_at),
        ),
        now=timezone.now(),
    )
    return offer.pk if offer else None


@task()
def waitlist_offers_expire() -> int:
    """Offers that ran out are passed to the next entry."""
    waitlist_end_passed()
    return offers_expire()


def waitlist_register() -> None:
    """Called once from BookingsConfig.ready."""
    offer_sender_register("verify", waitlist_send_verify)
    offer_sender_register("offer", waitlist_send_offer)
    freed_listen(_on_time_freed)
