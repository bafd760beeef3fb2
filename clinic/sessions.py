"""Sessions read from the shared cache and kept in the database: Django's `cached_db`, with two
changes so that no server goes on reading a session that has changed or ended.

- **A change or an end reaches the cache past this process's circuit breaker**
  (clinic/cache_backend.py). One slow answer from Redis opens the breaker in this process only;
  every other worker goes on reading Redis. Django's engine would skip the cache write and leave
  them the old session: a sign-out that does not sign out, health answers the patient deleted
  by walking away that come back, a booking step that reverts.
- **A session stays in the cache for `SESSION_CACHE_SECONDS` at most.** If Redis cannot take a
  write at all, what another worker may still read there is at most that old. A session read
  from the database is cached again for as long (one row read per session every few minutes).

Reads still respect the breaker: while Redis is away, sessions come from the database at no
cost in timeouts; the writes that pass it pay one socket timeout per pause when Redis hangs
(clinic/cache_backend.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import cached_db, db

# Bounds how long a session change Redis could not take may go unseen by other workers.
SESSION_CACHE_SECONDS = 5 * 60


class SessionStore(cached_db.SessionStore):
    def _cache_seconds(self, **expiry: Any) -> int:
        return min(self.get_expiry_age(**expiry), SESSION_CACHE_SECONDS)

    def load(self) -> dict[str, Any]:
        # Django's `cached_db` load, with the entry's lifetime bounded.
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # an entry that cannot be read (Django's #17810): use the database
            data = None
        if data is None:
            stored = self._get_session_from_db()
            if stored is None:
                return {}
            data = self.decode(stored.session_data)
            self._cache.set(self.cache_key, data, self._cache_seconds(expiry=stored.expire_date))
        return data

    def save(self, must_create: bool = False) -> None:
        db.SessionStore.save(self, must_create)  # the database first, as Django's engine does
        write = getattr(self._cache, "set_past_breaker", self._cache.set)
        write(self.cache_key, self._session, self._cache_seconds())

    def delete(self, session_key: str | None = None) -> None:
        db.SessionStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        remove = getattr(self._cache, "delete_past_breaker", self._cache.delete)
        remove(self.cache_key_prefix + session_key)
