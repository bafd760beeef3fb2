from django.core.management.base import BaseCommand

from bookings.engine.waitlist import offers_expire, waitlist_end_passed


class Command(BaseCommand):
    help = "End waitlist entries whose window passed; pass expired offers to the next entry."

    def handle(self, *args: object, **options: object) -> None:
        ended = waitlist_end_passed()
        expired = offers_expire()
        self.stdout.write(f"{ended} entries ended, {expired} offers expired and passed on.")
