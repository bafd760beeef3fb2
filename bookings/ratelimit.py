"""Rate limits for the public booking forms, counted per client IP in the shared cache.

With several processes the cache must be shared (Redis in production, see settings), or each
process would count on its own. Behind a proxy, REMOTE_ADDR must be the client's address (the
proxy sets it; we do not trust X-Forwarded-For by ourselves, which anyone can forge).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


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
    return request.META.get("REMOTE_ADDR") or "unknown"


def rate_limit_exceeded(request: HttpRequest, limit: Limit) -> bool:
    """Count this request; True once the client went past the limit in the current window."""
    window = int(time.time() // limit.seconds)
    key = f"ratelimit:{limit.action}:{client_ip(request)}:{window}"
    # add() only sets a missing key, so the window's first request starts the count atomically.
    if cache.add(key, 1, timeout=limit.seconds + 5):
        return limit.requests < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=limit.seconds + 5)
        count = 1
    return count > limit.requests
