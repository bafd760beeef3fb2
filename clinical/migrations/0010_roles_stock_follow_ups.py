"""Stock and follow-ups in the roles: the manager enters products and lots, clinicians see lots,
reception sees whether a follow-up is pending (clinical/roles.py)."""

from django.db import migrations

from clinical.roles import roles_apply


def apply_roles(apps, schema_editor):
    roles_apply(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("clinical", "0009_lots_from_free_text"),
        ("treatments", "0004_products"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
