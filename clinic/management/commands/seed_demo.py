from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings import demo as bookings_demo
from clinic.content_cache import content_cache_clear
from education import demo as education_demo
from treatments import demo as treatments_demo

DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "exosome-demo-2026"


class Command(BaseCommand):
    help = "Load the demo catalogue, clinicians and education pages, and a demo admin. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Reset every demo row, and the demo admin's password, to the demo values.",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even though DEBUG is off (never on a real clinic's database).",
        )

    def handle(
        self, *args: object, refresh: bool, allow_production: bool, **options: object
    ) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "seed_demo adds a demo admin with a published password, so it only runs with "
                "DEBUG on. Pass --allow-production if you really mean it."
            )
        indications, protocols = treatments_demo.seed(refresh=refresh)
        self.stdout.write(f"Catalogue: {indications} indications, {protocols} protocols.")
        clinicians = bookings_demo.seed(refresh=refresh)
        self.stdout.write(f"Clinic: {len(clinicians)} clinicians with working hours, 1 laser.")
        pages = education_demo.seed(reviewer=bookings_demo.lead_clinician(), refresh=refresh)
        content_cache_clear()
        self.stdout.write(f"Education: {pages} pages in English, German and Turkish.")

        user, created = get_user_model().objects.get_or_create(
            username=DEMO_ADMIN_USERNAME,
            defaults={"email": "admin@example.com", "first_name": "Demo", "last_name": "Admin"},
        )
        if created or refresh:
            user.is_staff = user.is_superuser = True
            user.set_password(DEMO_ADMIN_PASSWORD)
            user.save()
        if user.check_password(DEMO_ADMIN_PASSWORD):
            password = repr(DEMO_ADMIN_PASSWORD)
        else:
            password = "(changed since seeding; `manage.py seed_demo --refresh` resets it)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo admin: http://127.0.0.1:8000/admin/  "
                f"username {DEMO_ADMIN_USERNAME!r}  password {password}"
            )
        )
