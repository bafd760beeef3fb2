from django.core.management.base import BaseCommand

from bookings.notify.emails import emails_send_due


class Command(BaseCommand):
    help = "Send every pending patient email that is due (safe to run every few minutes from cron)."

    def handle(self, *args: object, **options: object) -> None:
        sent = emails_send_due()
        self.stdout.write(f"Sent {sent} email(s).")
