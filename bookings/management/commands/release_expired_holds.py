from django.core.management.base import BaseCommand

from bookings.engine.services import plan_release_expired_holds


class Command(BaseCommand):
    help = (
        "Cancel held plans whose hold ran out, freeing their times. Safe to run at any time and "
        "in parallel (each plan is locked); run it every few minutes from cron."
    )

    def handle(self, *args: object, **options: object) -> None:
        released = plan_release_expired_holds()
        self.stdout.write(f"Released {released} expired hold(s).")
