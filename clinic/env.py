"""Strict readers for configuration from environment variables.

Every reader fails at start-up with an ImproperlyConfigured that names the variable and the
accepted values, so a typo in production never turns into a silently different behaviour.
A secret may also come from a file named by `<NAME>_FILE` (Docker and systemd credentials).
"""

import os
import zoneinfo
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def _raw(name: str) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points to {file_name!r}, which cannot be read: {exc.strerror}."
            ) from exc
    return os.environ.get(name)


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    accepted = ", ".join(sorted(TRUE_WORDS | FALSE_WORDS - {""}))
    raise ImproperlyConfigured(f"{name}={value!r} is not a yes/no value. Use one of: {accepted}.")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ImproperlyConfigured(
            f"{name}={value!r} is not valid. Use a whole number of at least {minimum}{upper}."
        )
    return number


def env_list(name: str, default: Iterable[str] = ()) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: Iterable[str]) -> str:
    value = env_str(name, default)
    allowed = list(choices)
    if value not in allowed:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not valid. Use one of: {', '.join(allowed)}."
        )
    return value


def env_timezone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a time zone. Use an IANA name such as Europe/Berlin."
        ) from exc
    return value


def env_class(name: str, default: str, *, base: str, what: str) -> str:
    """A dotted path to a subclass of `base` (also a dotted path); `what` describes it."""
    value = env_str(name, default)
    try:
        found = import_string(value)
    except ImportError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} cannot be imported. Use {what}.") from exc
    if not (isinstance(found, type) and issubclass(found, import_string(base))):
        raise ImproperlyConfigured(f"{name}={value!r} is not a subclass of {base}. Use {what}.")
    return value


def env_database(name: str, default: str) -> dict:
    """Parse a database URL; only SQLite and PostgreSQL (through psycopg 3) are supported."""
    import dj_database_url

    value = env_str(name, default)
    scheme = value.split("://", 1)[0] if "://" in value else ""
    accepted = "sqlite:///path/to/db.sqlite3 or postgres://user:password@host:5432/name"
    if scheme not in {"sqlite", "postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a supported database URL. Use {accepted}."
        )
    try:
        config = dj_database_url.parse(value)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name}={value!r} cannot be read ({exc}). Use {accepted}."
        ) from exc
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={value!r} names no database. Use {accepted}.")
    return config


def env_cache(name: str, *, socket_timeout_ms: int = 250, retry_after_seconds: int = 10) -> dict:
    """Redis when `name` holds a redis:// URL, else a per-process memory cache.

    Redis is reached through `clinic.cache_backend.ResilientRedisCache`: with short socket
    timeouts and a breaker that skips Redis for `retry_after_seconds` after a failure, an outage
    of the cache slows nothing down and breaks nothing (pages come from the database).
    """
    value = env_str(name)
    if not value:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clinic"}
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a Redis URL. Use redis://host:6379/0 (or rediss://…)."
        )
    seconds = socket_timeout_ms / 1000
    return {
        "BACKEND": "clinic.cache_backend.ResilientRedisCache",
        "LOCATION": value,
        "OPTIONS": {
            "socket_connect_timeout": seconds,
            "socket_timeout": seconds,
            "retry_after_seconds": retry_after_seconds,
        },
    }


def require_secret_key() -> None:
    """Stop a server from starting without SECRET_KEY (settings allow it for other commands)."""
    from django.conf import settings

    try:
        settings.SECRET_KEY  # noqa: B018 - Django raises when it is empty
    except ImproperlyConfigured:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY (or SECRET_KEY_FILE) "
            "to a long random string, or set DEBUG=true for local development."
        ) from None
