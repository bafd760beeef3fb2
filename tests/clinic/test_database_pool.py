"""Several servers against one PostgreSQL (issue 22): pooled connections, or PgBouncer's
transaction mode, chosen by settings; and the pool really lends connections on PostgreSQL."""

import pytest
from django.db import connection

from tests.clinic.test_settings import setting_at_start_up, start_django

POSTGRES = "postgres://clinic:secret@db.internal:5432/clinic"


def test_database_pool_turns_on_djangos_psycopg_pool_with_bounded_size():
    database = setting_at_start_up(
        'DATABASES["default"]',
        DEBUG="false",
        DATABASE_URL=POSTGRES,
        DATABASE_POOL="true",
        DATABASE_POOL_MAX_SIZE="3",
    )

    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 3, "timeout": 10}
    assert database["CONN_MAX_AGE"] == 0, "Django refuses persistent connections with a pool"


def test_pgbouncer_mode_uses_no_server_side_cursors_and_no_persistent_connections():
    database = setting_at_start_up(
        'DATABASES["default"]', DEBUG="false", DATABASE_URL=POSTGRES, DATABASE_PGBOUNCER="true"
    )

    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database["CONN_MAX_AGE"] == 0
    assert "pool" not in database.get("OPTIONS", {})
    # Transaction mode cannot keep a connection's prepared statements.
    assert "server_side_binding" not in database.get("OPTIONS", {})
    assert "prepare_threshold" not in database.get("OPTIONS", {})


@pytest.mark.parametrize("pooled", ["false", "true"])
def test_without_pgbouncer_statements_are_prepared_after_their_fifth_run(pooled):
    database = setting_at_start_up(
        'DATABASES["default"]', DEBUG="false", DATABASE_URL=POSTGRES, DATABASE_POOL=pooled
    )

    assert database["OPTIONS"]["server_side_binding"] is True
    assert database["OPTIONS"]["prepare_threshold"] == 5


def test_without_either_connections_persist_as_before():
    database = setting_at_start_up('DATABASES["default"]', DEBUG="false", DATABASE_URL=POSTGRES)

    assert "pool" not in database.get("OPTIONS", {})
    assert database.get("DISABLE_SERVER_SIDE_CURSORS", False) is False


POOLED_REQUESTS = """
import django
django.setup()
from django.core.signals import request_finished, request_started
from django.db import connection
pids = []
for _request in range(3):
    request_started.send(sender=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pids.append(cursor.fetchone()[0])
    request_finished.send(sender=None)  # Django closes the connection: back to the pool
print(connection.pool is not None, len(set(pids)))
"""


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pooled_connection_serves_every_request_of_a_worker_from_one_server_connection():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the pool is psycopg's")
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    url = f"postgres://{settings['USER']}{password}@{host}/postgres"

    result = start_django(
        code=POOLED_REQUESTS,
        DEBUG="false",
        DATABASE_URL=url,
        DATABASE_POOL="true",
        DATABASE_POOL_MAX_SIZE="1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "1"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_query_run_again_on_a_connection_is_prepared_and_not_planned_again():
    from bookings.models import Appointment

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: prepared statements are psycopg's")
    for _run in range(6):
        list(Appointment.objects.filter(pk=0))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "bookings_appointment"%'],
        )
        prepared = cursor.fetchone()[0]

    assert prepared >= 1
