"""The database cache table, used in production when no Redis is configured."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Creates tables only for caches that use the database backend; a no-op otherwise.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_outboxemail")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
