"""« Prélèvement émis »: an invoice carried by a SEPA debit file (status debit_sent).

Changing the CHECK constraint on status makes SQLite rebuild billing_invoice (new table,
copy, drop, rename), and the rebuild drops the triggers migration 0002 put on it. They are
installed again right after, from 0002's own SQL, in both directions; PostgreSQL alters the
constraint in place and keeps its triggers, so nothing is reinstalled there.
"""

import importlib

from django.db import migrations, models

guard = importlib.import_module("guichet.billing.migrations.0002_invoice_guard_triggers")


def triggers_reinstall(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in (*guard.SQLITE_UNINSTALL, *guard.SQLITE_INSTALL):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_invoice_guard_triggers"),
    ]

    operations = [
        # Reversed, this runs last, after the reverse rebuilds.
        migrations.RunPython(migrations.RunPython.noop, triggers_reinstall, elidable=False),
        migrations.RemoveConstraint(
            model_name="invoice",
            name="billing_invoice_status_valid",
        ),
        migrations.AlterField(
            model_name="invoice",
            name="status",
            field=models.CharField(
                choices=[
                    ("issued", "À payer"),
                    ("debit_sent", "Prélèvement émis"),
                    ("paid", "Payée"),
                ],
                default="issued",
                max_length=10,
                verbose_name="état",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["issued", "debit_sent", "paid"])),
                name="billing_invoice_status_valid",
            ),
        ),
        # Forward, this runs after the rebuilds: the triggers are back whichever way it runs.
        migrations.RunPython(triggers_reinstall, migrations.RunPython.noop, elidable=False),
    ]
