"""Background work, run by the tasks worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from bookings.notify.emails import email_deliver


@task()
def deliver_email(email_id: int) -> bool:
    return email_deliver(email_id=email_id)
