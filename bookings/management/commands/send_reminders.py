from django.core.management.base import BaseCommand

from bookings.notify.reminders import reminders_send_due


class Command(BaseCommand):
    help = (
        "Queue the reminder of every visit starting within REMINDER_HOURS_BEFORE hours, once per "
        "visit and start time, and retry reminder emails whose delivery failed. Safe to run every "
        "few minutes from cron, and twice at once."
    )

    def handle(self, *args: object, **options: object) -> None:
        claimed = reminders_send_due()
        self.stdout.write(f"Queued {claimed} reminder(s).")
