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

import contextlib
import pickle
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar
from uuid import uuid4

from django.core.cache import cache
from django.db import connection, transaction
from django.db.transaction import Atomic

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
        """Every entry of this generation is stale from now on. Never raises.

        Past this process's circuit breaker where the cache has one (clinic/cache_backend.py):
        one slow answer may have opened it here while every other worker still reads the cache,
        and this write is what makes them drop a deactivated account."""
        write = getattr(cache, "set_past_breaker", cache.set)
        write(self.key, uuid4().hex, timeout=self.seconds)
        # What the `prefetched` blocks around this read before the renewal is stale now.
        for generation, unread, _found in _PREFETCHED.get():
            if generation == self.key:
                unread.clear()

    def renew_now_and_after_commit(self, *args: object, **kwargs: object) -> None:
        """For signal receivers and services that change a row entries are built from.

        Now, so that no entry stored before the change counts; and again after commit, so that a
        reader who loaded the old row in between (the change not committed yet) does not keep
        it for the rest of the new generation. Until this transaction ends, this connection
        stores no entry of this generation (`read_through`): what it reads is not committed, and
        a rollback would leave it in the cache."""
        self.renew()
        outermost = _outermost_transaction()
        if outermost is not None:
            _pending(self.key, outermost)
        transaction.on_commit(self.renew)

    def read_through(self, key: str, load: Callable[[], T]) -> T:
        """`load()`'s value, from the cache while this generation lasts. One round trip on a hit:
        the entry holds the token it was stored under, read together with the current one."""
        found = _take_prefetched(self.key, key)
        if found is None:
            found = _get_many([self.key, key])
        token, entry = found.get(self.key), found.get(key)
        if token is not None and entry is not None and entry[0] == token:
            return entry[1]
        # The token is read before the rows: a write in between leaves this entry stale-marked.
        token = token or self.current()
        value = load()
        if not _changed_in_this_transaction(self.key):
            cache.set(key, (token, value), self.seconds)
        return value

    @contextlib.contextmanager
    def prefetched(self, keys: list[str]) -> Iterator[None]:
        """Inside the block, the first `read_through` of each of `keys` is answered from one
        round trip made here for all of them with the current token, as each would have made
        its own (a staff request's account and its second-factor device: issue 22). A key read
        again, after a renewal in the block, or after the block goes to the cache as usual."""
        if not keys:
            yield
            return
        found = _get_many([self.key, *keys])
        token = _PREFETCHED.set((*_PREFETCHED.get(), (self.key, set(keys), found)))
        try:
            yield
        finally:
            _PREFETCHED.reset(token)


def _get_many(keys: list[str]) -> dict[str, Any]:
    try:
        return cache.get_many(keys)
    except (pickle.UnpicklingError, AttributeError, ImportError, EOFError):
        # An entry this code can no longer read (a model renamed by a deploy): a miss.
        return {}


# The open `prefetched` blocks, innermost last: each block's generation, the keys not read yet
# and what its round trip found.
_PREFETCHED: ContextVar[tuple[tuple[str, set[str], dict[str, Any]], ...]] = ContextVar(
    "generation_prefetched", default=()
)


def _take_prefetched(generation: str, key: str) -> dict[str, Any] | None:
    """The token and `key`'s entry from the innermost block around this read that fetched it,
    once; None when no block did (or a renewal since made it stale)."""
    for block_generation, unread, found in reversed(_PREFETCHED.get()):
        if block_generation == generation and key in unread:
            unread.discard(key)
            return {name: found[name] for name in (generation, key) if name in found}
    return None


# Per database connection (so per thread): the generations changed in a transaction still open,
# with the outermost block of that transaction.
_PENDING = "generations_changed_in_transaction"


def _outermost_transaction() -> Atomic | None:
    """The outermost atomic block that will commit or roll back; the blocks a test case wraps
    around each test never do, so they do not count."""
    return next(
        (
            block
            for block in connection.atomic_blocks
            if not getattr(block, "_from_testcase", False)
        ),
        None,
    )


def _pending(key: str, block: Atomic) -> None:
    connection.__dict__.setdefault(_PENDING, {})[key] = block


def _changed_in_this_transaction(key: str) -> bool:
    pending = connection.__dict__.get(_PENDING)
    if not pending or key not in pending:
        return False
    if any(block is pending[key] for block in connection.atomic_blocks):
        return True
    del pending[key]  # that transaction has ended, committed (and renewed again) or rolled back
    return False


# An edit to a protocol, product or education page shows within this time at worst (rows changed
# outside the admin's and the models' signals); each cached page is rendered once a minute.
CONTENT = Generation("education:content-generation", 60)
# A deactivated account, a removed permission or a deleted authenticator takes effect at the next
# request (the changes renew this), and within a minute at worst (see the module docstring).
STAFF = Generation("auth:staff-generation", 60)
