"""No double booking, guaranteed by PostgreSQL itself.

Two active (not cancelled) appointments of the same clinician, or of the same device, can never
overlap in time: a GiST exclusion constraint on the half-open range [start, end) rejects the
second row, so back-to-back appointments are allowed. btree_gist lets the equality on the
clinician or device column share the GiST index with the range.

SQLite has no exclusion constraints; there the booking services run in BEGIN IMMEDIATE
transactions (one writer at a time) and re-check availability before writing.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINTS = {
    "appointment_no_clinician_overlap": (
        "EXCLUDE USING gist (clinician_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        "WHERE (status <> 'cancelled')"
    ),
    "appointment_no_device_overlap": (
        "EXCLUDE USING gist (device_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        "WHERE (device_id IS NOT NULL AND status <> 'cancelled')"
    ),
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE bookings_appointment ADD CONSTRAINT {name} {definition}"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE bookings_appointment DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraints, drop_constraints),
    ]
