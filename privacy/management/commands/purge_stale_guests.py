"""`manage.py purge_stale_guests [--days N] [--dry-run]`: the guest retention rule, for cron.

Daily, e.g.: `15 3 * * * cd /srv/clinic && .venv/bin/python manage.py purge_stale_guests`.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.services import guests_purge, guests_stale


class Command(BaseCommand):
    help = "Erase guests who never completed a booking, GUEST_RETENTION_DAYS after they started."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.GUEST_RETENTION_DAYS)
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args: object, **options: object) -> None:
        days = options["days"]
        if days < 1:
            # 0 or a negative number would put the cut-off at or after now: every guest, even
            # one holding times this minute, would count as stale.
            raise CommandError(
                "--days must be at least 1 (GUEST_RETENTION_DAYS has the same rule)."
            )
        if options["dry_run"]:
            self.stdout.write(f"{guests_stale(days=days).count()} guest(s) would be erased.")
            return
        guests_purge(days=days, report=self.stdout.write)
