"""A booking or manage page that only reads runs at most 4 queries, writes nothing, and on
PostgreSQL runs them in one transaction (issue 22).

"Only reads": the page shown again with nothing changed (a reload, the back button), or a page
that never writes on GET. The first visit of a step may still write: the screening page counts a
started booking, the times page stores its proposal in the session, the details page counts the
funnel step once per flow.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from bookings.models import Plan
from bookings.notify.emails import emails_send_due
from tests.bookings.online import DETAILS, consent_post, screening_post, url, with_proposal
from tests.clinic_data import seed_small_clinic

READ_BUDGET = 4
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|SAVEPOINT|BEGIN)", re.IGNORECASE)
# Pages that never write on GET run their reads in one transaction on PostgreSQL.
ONE_TRANSACTION = {"change visit", "review", "done", "manage", "manage move", "manage cancel"}


def read(client: Client, address: str) -> list[tuple[str, bool]]:
    """The statements a GET of `address` ran, each with whether it ran in autocommit."""
    statements: list[tuple[str, bool]] = []

    def record(execute: Callable, sql: str, params, many, context):
        statements.append((sql, connection.get_autocommit()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(address)
    assert response.status_code == 200, (address, response.status_code)
    return statements


def transactions(statements: list[tuple[str, bool]]) -> int:
    """Each statement in autocommit is a transaction; consecutive ones outside it share one."""
    count, inside = 0, False
    for _sql, autocommit in statements:
        if autocommit:
            count, inside = count + 1, False
        elif not inside:
            count, inside = count + 1, True
    return count


@pytest.mark.django_db(transaction=True)
def test_pages_that_only_read_run_at_most_four_queries_and_write_nothing():
    clinic = seed_small_clinic()
    protocol = clinic.protocol
    client = Client()
    steps = {
        "screening": url("start", protocol),
        "times": url("times", protocol),
        "change visit": url("change-visit", protocol, sequence=2),
        "details": url("details", protocol),
    }
    client.post(url("start", protocol), screening_post(protocol))
    for address in steps.values():
        client.get(address)  # the first visit may write (funnel, proposal)
    seen = {name: read(client, address) for name, address in steps.items()}

    client.post(url("details", protocol), with_proposal(client, DETAILS))
    client.get(url("review", protocol))  # the first visit notes which consent text it showed
    seen["review"] = read(client, url("review", protocol))
    client.post(url("review", protocol), consent_post(client, protocol))
    emails_send_due()
    token = re.search(r"/manage/([\w-]+)/", mail.outbox[-1].body).group(1)
    third = Plan.objects.get().appointments.get(sequence=3)
    for name, address in {
        "done": url("done"),
        "manage": url("manage", token=token),
        "manage move": url("manage-move", token=token, pk=third.pk),
        "manage cancel": url("manage-cancel-visit", token=token, pk=third.pk),
    }.items():
        seen[name] = read(client, address)

    counts = {name: len(statements) for name, statements in seen.items()}
    assert max(counts.values()) <= READ_BUDGET, counts
    writes = {
        name: [sql for sql, _ in statements if WRITES.match(sql)]
        for name, statements in seen.items()
    }
    assert not any(writes.values()), writes
    if connection.vendor == "postgresql":
        per_page = {name: transactions(statements) for name, statements in seen.items()}
        assert all(per_page[name] == 1 for name in ONE_TRANSACTION), per_page
