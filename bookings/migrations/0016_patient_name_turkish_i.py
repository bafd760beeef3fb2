from django.db import migrations

from bookings.engine.patients import normalise_name


def refold_names(apps, schema_editor):
    """Stored compared names again, now that the Turkish dotted and dotless i fold to one
    letter (normalise_name): "Yılmaz" was stored as "yılmaz", "YILMAZ" as "yilmaz"."""
    Patient = apps.get_model("bookings", "Patient")
    for patient in Patient.objects.only("pk", "full_name").iterator():
        Patient.objects.filter(pk=patient.pk).update(
            name_normalised=normalise_name(patient.full_name)
        )


class Migration(migrations.Migration):
    dependencies = [("bookings", "0015_waitlist")]

    operations = [migrations.RunPython(refold_names, migrations.RunPython.noop)]
