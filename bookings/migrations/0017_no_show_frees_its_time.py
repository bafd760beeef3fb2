"""A no-show no longer blocks its clinician's and device's time (issue 17, bug 2).

The exclusion constraints of migration 0002 left out only cancelled appointments; they now leave
out no-shows too, like `Appointment.objects.blocking` and the calendar's SQL, so reception can
book the time a patient did not come for. Undoing a no-show re-checks under the booking lock that
the time is still free (bookings.reception.workflows.appointment_undo_no_show).

The calendar's SQL (bookings/engine/availability.py) repeats this WHERE clause word for word, so
PostgreSQL answers it from the constraints' partial GiST indexes.
"""

from django.db import migrations

OLD = {
    "appointment_no_clinician_overlap": (
        "EXCLUDE USING gist (clinician_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        "WHERE (status <> 'cancelled')"
    ),
    "appointment_no_device_overlap": (
        "EXCLUDE USING gist (device_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        "WHERE (device_id IS NOT NULL AND status <> 'cancelled')"
    ),
}

NEW = {
    "appointment_no_clinician_overlap": (
        "EXCLUDE USING gist (clinician_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        "WHERE (status NOT IN ('cancelled', 'no_show'))"
    ),
    "appointment_no_device_overlap": (
        "EXCLUDE USING gist (device_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        "WHERE (device_id IS NOT NULL AND status NOT IN ('cancelled', 'no_show'))"
    ),
}


def replace(constraints: dict[str, str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, definition in constraints.items():
            schema_editor.execute(f"ALTER TABLE bookings_appointment DROP CONSTRAINT {name}")
            schema_editor.execute(
                f"ALTER TABLE bookings_appointment ADD CONSTRAINT {name} {definition}"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0016_patient_name_turkish_i"),
    ]

    operations = [
        # Backwards, the old constraint fails if two no-shows' times were given away meanwhile:
        # cancel or move one of the overlapping visits first.
        migrations.RunPython(replace(NEW), replace(OLD)),
    ]
