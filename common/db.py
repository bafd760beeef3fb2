"""Database helpers shared by the apps (imports no app)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse


def reads_in_one_transaction(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A GET or HEAD of `view` runs its reads in one transaction on PostgreSQL.

    In autocommit every statement is a transaction of its own; a page that only reads gets one
    snapshot and one commit instead (issue 22). Only for views whose GET writes nothing: the
    booking engine's transactions are durable and refuse to run inside this one, so a write
    added to such a GET fails loudly in the PostgreSQL tests. SQLite is left in autocommit: its
    transactions begin IMMEDIATE (settings.py), which would make every read take the write lock.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method in ("GET", "HEAD") and connection.vendor == "postgresql":
            with transaction.atomic():
                return view(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return wrapped
