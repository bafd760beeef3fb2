"""TASKS_BACKEND=rq (issue 22): the booking confirmation goes through Redis and a real RQ worker.

Needs the Redis server on 127.0.0.1:6379 (CI machines run one). Elsewhere the test is skipped
with the reason, except in CI (CI set), where a missing Redis fails it.
"""

import os

import pytest
import redis
from django.core import mail

from bookings.models import OutgoingEmail, OutgoingEmailStatus, Plan, PlanStatus
from tests.bookings.online import book, url
from tests.clinic_data import seed_small_clinic

pytestmark = pytest.mark.django_db

# A database of its own on the shared server, emptied before and after.
REDIS_URL = os.environ.get("TEST_RQ_REDIS_URL", "redis://127.0.0.1:6379/13")


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def rq_queue(settings):
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"CI runs Redis on 127.0.0.1:6379, but {REDIS_URL} does not answer")
        pytest.skip(f"no Redis at {REDIS_URL} (CI has one)")
    import django_rq

    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


def run_worker_once() -> None:
    """What `manage.py rqworker --burst --job-class django_tasks_rq.Job default` runs, in this
    process (SimpleWorker, no fork) so it uses the test's database and mail outbox."""
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    worker = django_rq.get_worker("default", job_class=Job, worker_class=SimpleWorker)
    worker.work(burst=True)


def test_a_booking_confirmation_is_queued_in_redis_and_sent_by_the_rq_worker(
    client, rq_queue, django_capture_on_commit_callbacks
):
    protocol = seed_small_clinic().protocol
    with django_capture_on_commit_callbacks(execute=True):
        response = book(client, protocol, email="ada@example.com")

    assert response["Location"] == url("done")
    assert Plan.objects.get().status == PlanStatus.CONFIRMED
    assert rq_queue.count == 1, "the delivery task waits in Redis"
    assert mail.outbox == []

    run_worker_once()

    assert rq_queue.count == 0
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.attachments[0][0] == "treatment-course.ics"
    assert "/en/manage/" in message.body
    email = OutgoingEmail.objects.get()
    assert (email.template, email.status) == ("booking_confirmed", OutgoingEmailStatus.SENT)


def test_the_setting_selects_the_rq_backend_and_its_redis():
    from tests.clinic.test_settings import setting_at_start_up

    env = {"TASKS_BACKEND": "rq", "TASKS_REDIS_URL": "redis://tasks.internal:6379/2"}

    assert setting_at_start_up('TASKS["default"]["BACKEND"]', **env) == (
        "django_tasks_rq.RQBackend"
    )
    assert setting_at_start_up('RQ_QUEUES["default"]["URL"]', **env) == env["TASKS_REDIS_URL"]
    assert "django_rq" in setting_at_start_up("INSTALLED_APPS", **env)
