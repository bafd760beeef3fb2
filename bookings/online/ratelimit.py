"""Rate limits for the public booking forms, counted per client IP in the shared cache.

With several processes the cache must be shared (Redis in production, see settings), or each
process would count on its own. While Redis is unreachable the counts go to the database
(`bookings.online.rate_counter`): the limits fail closed at the same generous limit, never open.
The client's address is read as for sign-in lockouts (`common.client_ip.client_ip`):
X-Forwarded-For only behind a proxy we trust.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from bookings.online.rate_counter import cache_unavailable, rate_counter_incr
from common.client_ip import client_ip as accounts_client_ip


@dataclass(frozen=True)
class Limit:
    action: str
    requests: int
    seconds: int


# Generous for a person, tight for a script: a patient holds and confirms a course a few times
# at most, and asks for a new link rarely.
HOLD = Limit("hold", requests=10, seconds=600)
CONFIRM = Limit("confirm", requests=10, seconds=600)
RESEND_LINK = Limit("resend-link", requests=5, seconds=3600)


def client_ip(request: HttpRequest) -> str:
    # The same rule as sign-in lockouts: behind a trusted proxy (TRUST_X_FORWARDED_PROTO) the
    # address our proxy added to X-Forwarded-For, otherwise the socket's address.
    return accounts_client_ip(request) or "unknown"


def rate_limit_exceeded(request: HttpRequest, limit: Limit) -> bool:
    """Count this request; True once the client went past the limit in the current window."""
    window = int(time.time() // limit.seconds)
    key = f"ratelimit:{limit.action}:{client_ip(request)}:{window}"
    count = _cache_count(key, limit)
    if count is None:  # the shared cache is down: count in the database instead
        count = rate_counter_incr(key=key, window_seconds=limit.seconds)
    return count > limit.requests


def _cache_count(key: str, limit: Limit) -> int | None:
    """The count in the shared cache, or None when the cache cannot count (Redis down)."""
    # add() only sets a missing key, so the window's first request starts the count atomically.
    if cache.add(key, 1, timeout=limit.seconds + 5):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr(), or the cache is unreachable
        if cache_unavailable():
            return None
        cache.add(key, 1, timeout=limit.seconds + 5)
        return 1
