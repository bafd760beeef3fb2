"""On PostgreSQL, the database itself refuses to change or delete an audit entry.

The admin and the model refuse too; this also covers a shell, a script or a bug. (SQLite, used
for development only, relies on the model and the admin.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION clinical_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clinical_auditentry_append_only
    BEFORE UPDATE OR DELETE ON clinical_auditentry
    FOR EACH ROW EXECUTE FUNCTION clinical_auditentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS clinical_auditentry_append_only ON clinical_auditentry;
DROP FUNCTION IF EXISTS clinical_auditentry_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("clinical", "0002_staff_roles")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
