"""Cache generations: rows read through the shared cache, all made stale at once by one write.

A generation is a random token under one cache key. An entry read through it is stored with the
token it was read under, and counts only while that token is current; renewing the generation
(a new token) makes every entry of it stale without knowing which entries exist. Two are used:

- `CONTENT`: the public pages and the booking flow's protocol (common.page_cache,
  treatments/signals.py).
- `STAFF`: a signed-in staff member's account, permissions, clinician profile and second-factor
  device (clinic.accounts.auth_cache). Every staff page needed four queries for these before its
  own rows (issue 22).

The generation key itself expires after `seconds`, and so does every entry: a change saved while
the cache was unreachable (clinic/cache_backend.py answers misses then) or made without a signal
(a queryset `.update()`, raw SQL) shows within that time once the cache is back, with no state
outside the cache. Without a shared cache (LocMem, one per process) a renewal reaches only its own
process, and the same bound applies to the others; production runs on Redis (clinic/checks.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


class Generation:
    def __init__(self, key: str, seconds: int) -> None:
        self.key = key
        self.seconds = seconds

    def current(self) -> str:
        token = cache.get(self.key)
        if token is None:
            # A random value, not a counter from 0: if the cache ever evicts this key, a
            # restarted count could meet entries stored under an earlier generation.
            # `add`, not `set`: a reader must never overwrite a generation a write has just begun.
            cache.add(self.key, uuid4().hex, timeout=self.seconds)
            # None when the cache is unavailable: a one-off token, so nothing is shared.
            token = cache.get(self.key) or uuid4().hex
        return token

    def renew(self) -> None:
        """Every entry of this generation is stale from now on. Never raises: with the cache down
        nothing is read from it either."""
        cache.set(self.key, uuid4().hex, timeout=self.seconds)

    def renew_now_and_after_commit(self, *args: object, **kwargs: object) -> None:
        """For signal receivers and services that change a row entries are built from.

        Now, so the rest of this request reads the change; and again after commit, so that a
        reader who loaded the old row in between (the change not committed yet) does not keep
        it for the rest of the new generation."""
        self.renew()
        transaction.on_commit(self.renew)

    def read_through(self, key: str, load: Callable[[], T]) -> T:
        """`load()`'s value, from the cache while this generation lasts. One round trip on a hit:
        the entry holds the token it was stored under, read together with the current one."""
        found = cache.get_many([self.key, key])
        token, entry = found.get(self.key), found.get(key)
        if token is not None and entry is not None and entry[0] == token:
            return entry[1]
        # The token is read before the rows: a write in between leaves this entry stale-marked.
        token = token or self.current()
        value = load()
        cache.set(key, (token, value), self.seconds)
        return value


# An edit to a protocol, product or education page shows within this time at worst (rows changed
# outside the admin's and the models' signals); each cached page is rendered once a minute.
CONTENT = Generation("education:content-generation", 60)
# A deactivated account, a removed permission or a deleted authenticator takes effect at the next
# request (the changes renew this), and within a minute at worst (see the module docstring).
STAFF = Generation("auth:staff-generation", 60)
