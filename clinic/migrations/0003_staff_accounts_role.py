"""The Clinic manager role gets `clinic.manage_staff` (the staff accounts page).

Runs clinical/roles.py again now that the permission exists (earlier role migrations could not
rely on it)."""

from django.db import migrations

from clinical.roles import roles_apply


def apply_roles(apps, schema_editor):
    roles_apply(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("clinic", "0002_staff_accounts_sign_in"),
        ("clinical", "0007_audit_staff_accounts"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
