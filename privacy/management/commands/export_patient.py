"""`manage.py export_patient <number> --by <staff username> [--output file.zip]`.

GDPR Art. 15 (access) and 20 (portability): JSON a machine reads, with the photo files.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from clinical.models import AuditAction
from privacy.audit import audit_patient_request
from privacy.management.commands._operator import operator, patient
from privacy.services import patient_export


class Command(BaseCommand):
    help = "Write all of a patient's data (records, emails, photos) as a zip with JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("patient", type=int, help="The patient's number (database id).")
        parser.add_argument("--by", required=True, help="Your staff username (for the audit log).")
        parser.add_argument(
            "--output",
            type=Path,
            help="Zip file to write (default: ./patient-<number>-export.zip).",
        )

    def handle(self, *args: object, **options: object) -> None:
        user = operator(options["by"])
        found = patient(options["patient"])
        output = options["output"] or Path(f"patient-{found.pk}-export.zip")
        output.write_bytes(patient_export(patient=found))
        output.chmod(0o600)  # health data: readable by the operator only
        audit_patient_request(action=AuditAction.EXPORT, patient_number=found.pk, user=user)
        self.stdout.write(f"Wrote {output} ({output.stat().st_size} bytes).")
