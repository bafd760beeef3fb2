"""Structured logs: one JSON object per line, the same shape for Django and gunicorn.

Every line has `time` (UTC, ISO 8601), `level`, `logger`, `message` and — inside a request —
`request_id`. Request lines (`clinic.request`, `gunicorn.access`) add `method`, `path` (never the
query string: search terms stay out of the logs), `status`, `duration_ms` and, from Django,
`user_id`. Nothing that names a person goes in: messages and tracebacks are scrubbed of email
addresses and of path segments that look like secret tokens (manage links), and we log ids, not
usernames.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from django.db import InterfaceError, OperationalError

# Set by clinic.middleware.RequestLogMiddleware for the duration of a request.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b")
# A path segment of 20+ URL-safe characters with an upper case letter, "_" or ":" is a token
# (secrets.token_urlsafe, signed values); slugs are lower case words, digits and hyphens. A digit
# is not required: about 1 in 1,500 token_urlsafe(32) values has none.
_TOKEN_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_\-:.]{20,}(?=/|$|\?|\s|'|\")")


def _looks_like_token(segment: str) -> bool:
    has_upper = any(char.isupper() for char in segment)
    return (
        has_upper
        or ":" in segment
        or "_" in segment
        or (len(segment) >= 32 and all(char in "0123456789abcdef" for char in segment.lower()))
    )


def scrub(text: str) -> str:
    """Remove email addresses and token-like path segments from a log message."""
    text = _EMAIL.sub("[email]", text)
    text = _UUID.sub("[token]", text)
    return _TOKEN_SEGMENT.sub(
        lambda match: "[token]" if _looks_like_token(match.group(0)) else match.group(0), text
    )


def safe_path(path: str) -> str:
    """A request path fit for a log line: no query string, no tokens."""
    return scrub(path.split("?", 1)[0])


# Loggers whose records are one line by design: their tracebacks say nothing an operator needs
# (a forged Host header, a lost database connection already reported as a 503).
ONE_LINE_LOGGERS = ("django.security",)
# A database that cannot be reached: the page says 503, the log says so in one line.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


class JsonFormatter(logging.Formatter):
    """Format every record as one JSON line (see the module docstring for the fields)."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            fields = self._gunicorn_access(record.args)
        else:
            fields = {"message": scrub(record.getMessage())}
            for name in ("event", "method", "path", "status", "duration_ms", "user_id", "ip"):
                value = getattr(record, name, None)
                if value is not None:
                    fields[name] = value
            if getattr(record, "status_code", None) is not None and "status" not in fields:
                fields["status"] = record.status_code  # django.request / django.server
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        # django.request logs a 5xx after the middleware returned; its record carries the request.
        request_id = (
            fields.pop("request_id", None)
            or request_id_var.get()
            or getattr(getattr(record, "request", None), "request_id", None)
        )
        if request_id:
            line["request_id"] = request_id
        line.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
            line["error_message"] = scrub(str(record.exc_info[1]))[:500]
            if not (
                record.name.startswith(ONE_LINE_LOGGERS)
                or issubclass(record.exc_info[0], DATABASE_UNAVAILABLE)
            ):
                line["traceback"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)

    @staticmethod
    def _gunicorn_access(atoms: dict[str, Any]) -> dict[str, Any]:
        # gunicorn's atoms: m method, U path without query, s status, D duration in µs,
        # {name}o a response header. The request line ("r") and query ("q") are left out on
        # purpose: they carry search terms.
        fields: dict[str, Any] = {
            "message": "request",
            "method": atoms.get("m"),
            "path": safe_path(str(atoms.get("U", ""))),
            "status": int(atoms["s"]) if str(atoms.get("s", "")).isdigit() else atoms.get("s"),
            "duration_ms": round(int(atoms.get("D", 0)) / 1000, 1),
        }
        request_id = atoms.get("{x-request-id}o")
        if request_id and request_id != "-":
            fields["request_id"] = request_id
        return fields


# --- Error reports (sentry-sdk, SENTRY_DSN) ------------------------------------------------------
# send_default_pii=False leaves out cookies, users and addresses, but not the request's query
# string (search terms), tokens in its path, log breadcrumbs as they were logged, or (unless
# include_local_variables is off, see settings) every frame's local variables. These hooks give an
# error report the same treatment as a log line.


def sentry_before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("query_string", "cookies", "data", "headers", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = scrub(request["url"].split("?", 1)[0])
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = scrub(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        sentry_before_breadcrumb(crumb, {})
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        logentry.pop("params", None)
        for key in ("message", "formatted"):
            if isinstance(logentry.get(key), str):
                logentry[key] = scrub(logentry[key])
    return event


def sentry_before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    if isinstance(crumb.get("message"), str):
        crumb["message"] = scrub(crumb["message"])
    crumb.pop("data", None)  # an HTTP breadcrumb's URL and query, a log record's arguments
    return crumb
