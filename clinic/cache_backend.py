"""A Redis cache that is an accelerator, never a dependency.

Django's own `RedisCache` raises when Redis refuses a connection or times out, so an outage of the
cache would turn every cached page, and every admin save that clears the cache, into a 500. This
backend answers like an empty cache instead (a miss on reads, nothing stored on writes), so pages
are rendered from the database while Redis is away.

Two things keep an outage cheap:

- short socket timeouts (`REDIS_SOCKET_TIMEOUT_MS`, set in `clinic/env.py`), so a Redis that
  accepts connections but never answers costs one request a fraction of a second, not a hang;
- a per-process circuit breaker: after a failure, this process does not try Redis again for
  `REDIS_RETRY_AFTER_SECONDS`; requests meanwhile skip the cache at no cost. The first call after
  that pause probes Redis again and closes the breaker when it answers.

What callers see while Redis is away: `get` → the default, `get_many` → `{}`, `add`/`touch`/
`delete`/`has_key` → False, `set` → nothing stored, `set_many` → every key reported as not stored,
`incr`/`decr` → `ValueError` as for a missing key (so a rate limit built on them counts from
scratch, failing open rather than locking patients out).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Redis errors are imported lazily (the module must import without redis installed).
try:  # pragma: no branch - redis is a dependency; the guard only keeps imports cheap elsewhere
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[misc,assignment]

# A socket error can also surface as a plain OSError (e.g. EHOSTUNREACH) or a timeout.
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new `redis.Redis` for every cache operation, filling its table of
    some 170 response callbacks each time: about 0.1 ms of CPU per operation, three or more per
    staff request (issue 22). One client per connection pool serves them all; redis-py's clients
    are safe to share between threads, and its pools reconnect after a fork."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # As Django's, with the client kept per pool (a read picks one of the replicas' pools).
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that treats an unreachable Redis as an empty cache."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        # Our own option, not redis-py's: how long to leave Redis alone after a failure.
        self.retry_after = float(options.pop("retry_after_seconds", 10))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._down_until = 0.0
        self._writes_down_until = 0.0  # the same, for the writes that pass the breaker
        self._lock = threading.Lock()

    # --- the breaker --------------------------------------------------------------------------
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, operation: str, error: BaseException) -> None:
        with self._lock:
            was_up = not self.is_down()
            self._down_until = time.monotonic() + self.retry_after
        if was_up:
            # One line per outage and process, not one per request. The error's class says
            # enough (refused, timeout); its text may hold the server's address.
            logger.warning(
                "Cache unavailable (%s during %s); serving without it for %.0f s.",
                type(error).__name__,
                operation,
                self.retry_after,
            )

    def _call(self, operation: str, call: Callable[[], T], fallback: T) -> T:
        if self.is_down():
            return fallback
        try:
            result = call()
        except CACHE_ERRORS as error:
            self._failed(operation, error)
            return fallback
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            logger.warning("Cache available again.")
        return result

    def ping(self) -> bool:
        """Ask Redis directly, past the breaker (the health check uses this)."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except CACHE_ERRORS as error:
            self._failed("ping", error)
            return False

    # --- the cache API ------------------------------------------------------------------------
    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._call(
            "add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False
        )

    def get(self, key: str, default: Any = None, version: Any = None) -> Any:
        return self._call(
            "get", lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._call(
            "set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None
        )

    # Writes that must reach Redis even if this process's breaker is open (a renewed cache
    # generation, common/generations.py; a session ended or changed, clinic/sessions.py): other
    # processes may be reading Redis all along, and would go on reading the old value. The
    # breaker may have opened on one slow answer, so such a write still tries; but once one of
    # them has failed, they too leave Redis alone for the pause, so a Redis that hangs costs one
    # socket timeout per pause, not one per sign-in or booking step.
    def _past_breaker(self, operation: str, call: Callable[[], object]) -> bool:
        if time.monotonic() < self._writes_down_until:
            return False
        try:
            call()
        except CACHE_ERRORS as error:
            self._failed(operation, error)
            self._writes_down_until = time.monotonic() + self.retry_after
            return False
        return True

    def set_past_breaker(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        """True when Redis took the write."""
        return self._past_breaker(
            "set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version)
        )

    def delete_past_breaker(self, key: str, version: Any = None) -> bool:
        """True when Redis took the delete (whether or not the key was there)."""
        return self._past_breaker(
            "delete", lambda: super(ResilientRedisCache, self).delete(key, version)
        )

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._call(
            "touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key: str, version: Any = None) -> bool:
        return self._call(
            "delete", lambda: super(ResilientRedisCache, self).delete(key, version), False
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[str, Any]:
        return self._call(
            "get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key: str, version: Any = None) -> bool:
        return self._call(
            "has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), False
        )

    def incr(self, key: str, delta: int = 1, version: Any = None) -> int:
        missing = object()
        result = self._call(
            "incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing
        )
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result  # type: ignore[return-value]

    def set_many(
        self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[str]:
        return self._call(
            "set_many",
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            list(data),
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._call(
            "delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), None
        )

    def clear(self) -> bool:
        return self._call("clear", lambda: super(ResilientRedisCache, self).clear(), False)
