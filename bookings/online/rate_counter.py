"""Rate-limit counts in the database, for when the shared cache (Redis) is unreachable.

The booking and resend limits normally count in Redis (one round trip). While Redis is down the
cache answers like an empty one (clinic/cache_backend.py), which would let every request through;
the limits count here instead, so they fail closed at the same generous limit rather than open.
Rows are per key and window, and expired ones are deleted whenever a new one is written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from bookings.models import RateLimitCounter


def cache_unavailable() -> bool:
    """True while the shared cache's breaker is open (only ResilientRedisCache has one)."""
    is_down = getattr(cache, "is_down", None)
    return bool(is_down and is_down())


def rate_counter_incr(*, key: str, window_seconds: int, now: datetime | None = None) -> int:
    """Count one request under `key` and return the count so far in its window."""
    now = now or timezone.now()
    with transaction.atomic():
        # An UPDATE first: the common case once the window's row exists, and atomic by itself.
        if not RateLimitCounter.objects.filter(key=key).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateLimitCounter.objects.create(
                        key=key, count=1, expires_at=now + timedelta(seconds=window_seconds + 5)
                    )
            except IntegrityError:  # another request created it just now
                RateLimitCounter.objects.filter(key=key).update(count=F("count") + 1)
            else:
                RateLimitCounter.objects.filter(expires_at__lt=now).delete()
        return RateLimitCounter.objects.filter(key=key).values_list("count", flat=True).get()
