"""The database cache table, whatever the settings `migrate` ran with.

0004 created it only when the settings of that run used the database cache: a `migrate` run
in development mode (local-memory cache) left production, which falls back to the database
cache without Redis, with no table and a 500 on every page.
"""

from django.core.management import call_command
from django.db import migrations

CACHE_TABLE = "guichet_cache"  # settings.CACHES' LOCATION when no REDIS_URL is set


def create_cache_table(apps, schema_editor):
    # Naming the table creates it even when the current settings use another cache backend;
    # a table that already exists is left as it is.
    call_command(
        "createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0005_staffaccess")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
