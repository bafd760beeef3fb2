"""Create the staff groups Reception, Clinician and Clinic manager with exactly the permissions
listed in clinical/roles.py (a group that exists already gets its permissions reset to them)."""

from django.db import migrations

from clinical.roles import ROLES, roles_apply


def apply_roles(apps, schema_editor):
    roles_apply(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("treatments", "0001_initial"),
        ("bookings", "0004_screening_consent_outbox"),
        ("clinical", "0001_treatment_records_photos_audit"),
    ]

    operations = [migrations.RunPython(apply_roles, remove_roles)]
