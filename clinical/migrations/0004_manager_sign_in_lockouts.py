"""The clinic manager sees django-axes' sign-in attempts and lockouts and may lift a lockout.

Runs clinical/roles.py again after axes' tables exist (0002 could not rely on them)."""

from django.db import migrations

from clinical.roles import roles_apply


def apply_roles(apps, schema_editor):
    roles_apply(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("clinical", "0003_audit_entries_append_only"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
