from django.core.management.base import BaseCommand

from clinical.aftercare import follow_ups_send_due, outcomes_send_due


class Command(BaseCommand):
    help = (
        "Queue the follow-up of every completed session FOLLOW_UP_HOURS_AFTER_SESSION hours after "
        "it, once per session, and the outcome question OUTCOME_WEEKS_AFTER_COURSE weeks after a "
        "course's last session, once per course. Safe to run every few minutes from cron, and "
        "twice at once."
    )

    def handle(self, *args: object, **options: object) -> None:
        claimed = follow_ups_send_due()
        asked = outcomes_send_due()
        self.stdout.write(f"Queued {claimed} follow-up(s) and {asked} outcome question(s).")
