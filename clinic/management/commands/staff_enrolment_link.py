"""Print a one-time link for a staff member to set up their second factor.

For the first account of a new installation (`createsuperuser` makes one, and there is no
manager yet to invite anyone) and for a locked-out manager: whoever runs commands on the server
is trusted already. Everyone else gets their link from the staff accounts page.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinic.accounts.enrolment import enrolment_link_issue, enrolment_link_url
from clinic.accounts.services import second_factor_remove
from clinic.accounts.signin import known_devices_forget
from clinic.models import EnrolmentPurpose


class Command(BaseCommand):
    help = "Print a one-time link to set up a staff member's authenticator app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Also remove the current authenticator and recovery codes (a lost phone).",
        )

    def handle(self, *args: object, username: str, reset: bool, **options: object) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active account with the username {username!r}.")
        if reset:
            second_factor_remove(user=user)
            known_devices_forget(user=user)
        token = enrolment_link_issue(user=user, purpose=EnrolmentPurpose.RESET, by=None)
        self.stdout.write(
            f"One-time link for {username!r} (works once; earlier links no longer work):\n"
            f"{enrolment_link_url(token=token)}"
        )
