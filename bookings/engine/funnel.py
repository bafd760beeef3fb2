"""The online booking funnel's counters: one atomic upsert per step reached.

Aggregate daily counts per protocol, page language and step (`bookings.models.FunnelDay`), with
no personal data. `bookings.online.funnel` decides when a step is reached; the reports app reads
the counters.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from bookings.models import FunnelDay


def funnel_increment(*, day: date, protocol_id: int, language: str, step: str) -> None:
    """Add one to a counter in a single statement (an upsert), safe under concurrency."""
    table = connection.ops.quote_name(FunnelDay._meta.db_table)
    # INSERT … ON CONFLICT … DO UPDATE is one atomic statement on PostgreSQL and SQLite (3.24+).
    sql = (
        f"INSERT INTO {table} (date, protocol_id, language, step, count) "
        "VALUES (%s, %s, %s, %s, 1) "
        "ON CONFLICT (date, protocol_id, language, step) "
        f"DO UPDATE SET count = {table}.count + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, protocol_id, language, step])
