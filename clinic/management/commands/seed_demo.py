from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from bookings import demo as bookings_demo
from bookings.engine.errors import BookingError
from bookings.engine.rules import local_date
from clinic import demo
from clinic.accounts.enrolment import enrolment_link_issue, enrolment_link_url
from clinic.accounts.services import has_second_factor
from clinic.models import DemoAccount, EnrolmentPurpose
from clinical import demo as clinical_demo
from common.content_cache import content_cache_clear
from education import demo as education_demo
from treatments import demo as treatments_demo

# Kept for callers of the old names; every demo account shares the one demo password.
DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = demo.DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        "Load the demo catalogue, clinicians, education pages and one demo account per staff "
        "role. Idempotent. Refuses a database with real data, and never touches an account it "
        "did not create."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Reset every demo row, and the demo accounts' passwords, to the demo values.",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even though DEBUG is off (never on a real clinic's database).",
        )
        parser.add_argument(
            "--allow-real-data",
            action="store_true",
            help="Seed even though the database holds accounts or patients seed_demo did not "
            "create. Those accounts are still never touched.",
        )

    def handle(
        self,
        *args: object,
        refresh: bool,
        allow_production: bool,
        allow_real_data: bool,
        **options: object,
    ) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "seed_demo adds demo accounts with a published password, so it only runs with "
                "DEBUG on. Pass --allow-production if you really mean it."
            )
        self._refuse_accounts_it_did_not_create()
        real_data = demo.real_data_found()
        if real_data and not allow_real_data:
            raise CommandError(
                "This database holds data seed_demo did not create ("
                + "; ".join(real_data)
                + "). seed_demo is for demo databases; nothing was changed. Pass "
                "--allow-real-data if you really want demo rows added here."
            )
        try:
            with transaction.atomic():
                self._seed(refresh=refresh)
        except LookupError as exc:  # a staff role group is missing
            raise CommandError(str(exc)) from exc
        # After the catalogue and calendar are committed: the booking services open transactions
        # of their own and refuse to run inside another one.
        self._seed_visits()
        added = clinical_demo.seed_aftercare(
            clinician=bookings_demo.lead_clinician(), today=local_date(timezone.now())
        )
        if added:
            self.stdout.write(
                f"Care after the visit: {added} demo patients with past courses on lots "
                f"{', '.join(clinical_demo.LOTS)}, follow-up answers (one urgent), one adverse "
                "event and outcome answers (see /en/staff/outcomes/)."
            )

    def _refuse_accounts_it_did_not_create(self) -> None:
        usernames = {user.username for user in demo.DEMO_USERS} | {
            clinician["username"] for clinician in bookings_demo.CLINICIANS
        }
        taken = sorted(
            get_user_model()
            .objects.filter(username__in=usernames, demo_account__isnull=True)
            .values_list("username", flat=True)
        )
        if taken:
            raise CommandError(
                f"The user account(s) {', '.join(map(repr, taken))} already exist and were not "
                "created by seed_demo, which never touches such an account; nothing was changed. "
                "Run the demo on a database of its own."
            )

    def _seed(self, *, refresh: bool) -> None:
        indications, protocols = treatments_demo.seed(refresh=refresh)
        self.stdout.write(f"Catalogue: {indications} indications, {protocols} protocols.")
        clinicians = bookings_demo.seed(refresh=refresh)
        # Accounts bookings.demo made just now. (One it found already is a demo account: the
        # check before seeding refused any other.)
        new_accounts = {
            clinician.user_id
            for clinician in clinicians
            if DemoAccount.objects.get_or_create(user=clinician.user)[1]
        }
        self.stdout.write(f"Clinic: {len(clinicians)} clinicians with working hours, 1 laser.")
        pages = education_demo.seed(reviewer=bookings_demo.lead_clinician(), refresh=refresh)
        content_cache_clear()
        self.stdout.write(f"Education: {pages} pages in English, German and Turkish.")

        self.stdout.write(
            self.style.SUCCESS("Demo accounts (sign in at http://127.0.0.1:8000/admin/):")
        )
        for spec in demo.DEMO_USERS:
            user = self._demo_account(spec, refresh=refresh, new_accounts=new_accounts)
            if user.check_password(demo.DEMO_PASSWORD):
                password = repr(demo.DEMO_PASSWORD)
            else:
                password = "(changed since seeding; `manage.py seed_demo --refresh` resets it)"
            role = "superuser" if spec.superuser else spec.role
            self.stdout.write(f"  {role:<15} username {spec.username!r}  password {password}")
            self.stdout.write(f"  {'':<15} {self._second_factor_note(user)}")

    def _second_factor_note(self, user: AbstractBaseUser) -> str:
        """Every staff account needs a second factor, and only a one-time link enrols the first
        one (the password alone must not): print a fresh link for each demo account without."""
        if has_second_factor(user):
            return "then the code from the authenticator app set up for it"
        token = enrolment_link_issue(user=user, purpose=EnrolmentPurpose.INVITATION, by=None)
        return (
            "then set up its authenticator app once, from this one-time link: "
            + enrolment_link_url(token=token)
        )

    def _demo_account(
        self, spec: demo.DemoUser, *, refresh: bool, new_accounts: set[int]
    ) -> AbstractBaseUser:
        user, created = get_user_model().objects.get_or_create(
            username=spec.username,
            defaults={
                "email": f"{spec.username}@example.com",
                "first_name": spec.first_name,
                "last_name": spec.last_name,
            },
        )
        DemoAccount.objects.get_or_create(user=user)
        if created or refresh or user.pk in new_accounts:
            user.is_staff = True
            user.is_superuser = spec.superuser
            user.is_active = True
            user.set_password(demo.DEMO_PASSWORD)
            user.save()
            user.groups.set([demo.role_group(spec.role)] if spec.role else [])
        return user

    def _seed_visits(self) -> None:
        """Demo patients with visits on today's agenda, once (never re-booked, even with
        --refresh: reception may have checked them in or moved them since)."""
        today = local_date(timezone.now())
        try:
            visits = bookings_demo.seed_visits(today=today)
        except BookingError as exc:
            raise CommandError(f"The demo visits could not be booked: {exc}") from exc
        if visits.skipped:
            self.stdout.write(
                f"Patients: {len(visits.skipped)} demo patients already have plans; "
                "no visits added."
            )
        if not visits.plans:
            return
        self.stdout.write(
            f"Patients: {visits.plans} demo plans booked, {visits.review_plans} awaiting "
            f"review by {bookings_demo.lead_clinician().display_name}."
        )
        if visits.agenda_day is not None:
            shown = date_format(visits.agenda_day, "l j F Y")
            if visits.agenda_day == today:
                self.stdout.write(f"  Today's agenda ({shown}) has demo visits.")
            else:
                # A weekend or a clinic closure: nobody works today.
                self.stdout.write(
                    f"  Nobody works today, so the demo visits start on the next working day, "
                    f"{shown} (open the agenda on that day)."
                )
        if visits.next_day is not None:
            self.stdout.write(f"  More on {date_format(visits.next_day, 'l j F Y')}.")
