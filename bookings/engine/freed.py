"""The "time freed" seam: the engine says times came free; the waitlist decides who hears of it.

Every workflow that frees time (a cancelled visit or course, a moved visit, a declined plan, a
hold that ran out) calls `time_freed()` inside its transaction. After the commit the registered
listener runs (`bookings.notify.waitlist` enqueues the offer search as a background task). The
engine imports no task or email code; without a listener nothing happens.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FreedTime:
    key: str  # names this freeing: an entry is offered one freed time at most once
    protocol_ids: tuple[int, ...]
    plan_ids: tuple[int, ...]
    freed_at: datetime


Listener = Callable[[FreedTime], None]
_listeners: list[Listener] = []


def freed_listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def time_freed(*, plan_ids: Iterable[int], protocol_ids: Iterable[int], now: datetime) -> None:
    """Announce, after the current transaction commits, that these plans gave times back."""
    event = FreedTime(
        key=secrets.token_hex(16),
        protocol_ids=tuple(sorted(set(protocol_ids))),
        plan_ids=tuple(sorted(set(plan_ids))),
        freed_at=now,
    )
    if not event.plan_ids and not event.protocol_ids:
        return

    def announce() -> None:
        for listener in list(_listeners):
            try:
                listener(event)
            except Exception:
                # The freeing stands; a missed offer search is not worth failing a cancel.
                logger.exception("A time-freed listener failed")

    transaction.on_commit(announce)


def clinic_time_added(sender: object, instance: object, **kwargs: object) -> None:
    """Signal receiver (connected in BookingsConfig.ready): time off removed, or working hours
    added or changed, may free time for the protocols of the clinician(s) concerned."""
    from django.utils import timezone

    from bookings.models import Clinician

    clinician_id = getattr(instance, "clinician_id", None)
    clinicians = Clinician.objects.filter(active=True)
    if clinician_id is not None:
        clinicians = clinicians.filter(pk=clinician_id)
    protocol_ids = set(clinicians.values_list("protocols", flat=True)) - {None}
    time_freed(plan_ids=(), protocol_ids=protocol_ids, now=timezone.now())
