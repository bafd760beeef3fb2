"""`manage.py erase_patient <number> --by <staff username> --yes` (GDPR Art. 17).

See docs/privacy.md for what is erased and what is kept anonymised.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookings.engine.errors import BookingError
from clinical.models import AuditAction
from privacy.audit import audit_patient_request
from privacy.management.commands._operator import operator, patient
from privacy.services import erasure_preview, patient_erase


class Command(BaseCommand):
    help = "Erase a patient's personal and medical data and files, keeping an anonymised trace."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("patient", type=int, help="The patient's number (database id).")
        parser.add_argument("--by", required=True, help="Your staff username (for the audit log).")
        parser.add_argument(
            "--yes", action="store_true", help="Erase (without it: only show what would go)."
        )

    def handle(self, *args: object, **options: object) -> None:
        user = operator(options["by"])
        found = patient(options["patient"])
        if not options["yes"]:
            for row in erasure_preview(patient=found):
                self.stdout.write(f"  {row['label']}: {row['count']} {row['outcome']}")
            raise CommandError("Nothing erased. Run again with --yes to erase the rows above.")
        try:
            record = patient_erase(patient=found, erased_by=user)
        except BookingError as error:  # busy calendar, or erased a moment ago
            raise CommandError(f"Nothing erased: {error.message}") from error
        audit_patient_request(
            action=AuditAction.ERASE, patient_number=record.patient_number, user=user
        )
        self.stdout.write(
            f"Patient {record.patient_number} erased. Removed: {record.removed}. "
            f"Kept anonymised: {record.kept}."
        )
