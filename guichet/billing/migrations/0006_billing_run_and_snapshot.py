"""Billing runs (issue 12): a BillingRun per run, Invoice.run and Invoice.snapshot; the guard
triggers learn that a chunk of a run inserts many invoices, then their lines, at once.

- SQLite: adding the columns rebuilds billing_invoice, which drops its triggers: they are
  created again from 0004's, with run_id and snapshot among the frozen columns.
- PostgreSQL: the invoice check compares the whole row, so the new columns are frozen
  already. A line used to be accepted only for the one invoice its transaction inserted last
  (a row trigger recorded its id); now a statement trigger records the ids of the last INSERT
  into billing_invoice of the transaction (transaction-local setting
  guichet.billing_open_invoices, undone by a rollback), and a statement trigger on the lines
  refuses the INSERT if any of its lines belongs to another invoice. One INSERT of 2,000
  invoices then one of their lines pass; a line for an invoice of an earlier statement or
  transaction is refused as before.
"""

import importlib

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


guard = importlib.import_module("guichet.billing.migrations.0002_invoice_guard_triggers")
purge = importlib.import_module("guichet.billing.migrations.0004_invoice_guard_retention_purge")

FROZEN_SQLITE = (*guard.FROZEN_SQLITE, "run_id", "snapshot")
SQLITE_FROZEN = (
    "CREATE TRIGGER billing_invoice_frozen BEFORE UPDATE ON billing_invoice WHEN "
    + " OR ".join(f'OLD."{column}" IS NOT NEW."{column}"' for column in FROZEN_SQLITE)
    + " OR (OLD.pdf_sha256 IS NOT NEW.pdf_sha256 AND OLD.pdf_sha256 <> '') "
    + guard.raise_sqlite(guard.INVOICE_CHANGED)
)
SQLITE_INSTALL = [
    SQLITE_FROZEN if "billing_invoice_frozen" in sql else sql for sql in purge.SQLITE_INSTALL
]
assert SQLITE_FROZEN in SQLITE_INSTALL and len(SQLITE_INSTALL) == 4

OPEN_INVOICES = "guichet.billing_open_invoices"
POSTGRESQL_FORWARD = [
    "DROP TRIGGER IF EXISTS billing_invoice_opened ON billing_invoice",
    "DROP FUNCTION IF EXISTS billing_invoice_opened()",
    f"""
    CREATE FUNCTION billing_invoices_opened() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM set_config(
            '{OPEN_INVOICES}',
            (SELECT coalesce(string_agg(id::text, ','), '') FROM inserted),
            true
        );
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER billing_invoices_opened AFTER INSERT ON billing_invoice
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION billing_invoices_opened()
    """,
    f"""
    CREATE FUNCTION billing_invoicelines_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM added WHERE added.invoice_id NOT IN (
                SELECT unnest(string_to_array(
                    coalesce(current_setting('{OPEN_INVOICES}', true), ''), ','
                )::bigint[])
            )
        ) THEN
            {guard.raise_postgresql(guard.LINE_ADDED)}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER billing_invoicelines_added AFTER INSERT ON billing_invoiceline
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION billing_invoicelines_added()
    """,
    # The row trigger keeps refusing updates and deletes (0004's function, whose INSERT
    # branch no longer runs).
    "DROP TRIGGER IF EXISTS billing_invoiceline_guard ON billing_invoiceline",
    """
    CREATE TRIGGER billing_invoiceline_guard BEFORE UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_guard()
    """,
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS billing_invoicelines_added ON billing_invoiceline",
    "DROP FUNCTION IF EXISTS billing_invoicelines_added()",
    "DROP TRIGGER IF EXISTS billing_invoices_opened ON billing_invoice",
    "DROP FUNCTION IF EXISTS billing_invoices_opened()",
    "DROP TRIGGER IF EXISTS billing_invoiceline_guard ON billing_invoiceline",
    *[
        sql
        for sql in guard.POSTGRESQL_INSTALL
        if "billing_invoice_opened" in sql or "TRIGGER billing_invoiceline_guard" in sql
    ],
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


# SQLite: the line triggers read billing_invoice, whose rebuild would fail under them; they
# all go before the new columns and come back after.
def sqlite_drop(apps, schema_editor):
    _run(schema_editor, {"sqlite": guard.SQLITE_UNINSTALL})


def sqlite_restore_0004(apps, schema_editor):
    _run(schema_editor, {"sqlite": purge.SQLITE_INSTALL})


def forward(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRESQL_FORWARD})


def backward(apps, schema_editor):
    _run(
        schema_editor,
        {"sqlite": guard.SQLITE_UNINSTALL, "postgresql": POSTGRESQL_BACKWARD},
    )


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0005_invoice_notification_permission'),
    ]

    operations = [
        migrations.RunPython(sqlite_drop, sqlite_restore_0004, elidable=False),
        migrations.AddField(
            model_name='invoice',
            name='snapshot',
            field=models.JSONField(blank=True, default=dict, verbose_name="instantané à l'émission"),
        ),
        migrations.CreateModel(
            name='BillingRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.DateField(verbose_name='période')),
                ('issue_date', models.DateField(verbose_name='date des factures')),
                ('status', models.CharField(choices=[('running', 'En cours'), ('done', 'Terminée'), ('incomplete', 'Terminée avec des échecs')], default='running', max_length=10, verbose_name='état')),
                ('notify', models.BooleanField(default=True, verbose_name='avis par e-mail')),
                ('render_pdf', models.BooleanField(default=True, verbose_name='PDF rendus par les workers')),
                ('customers_total', models.PositiveIntegerField(default=0, verbose_name='clients à facturer')),
                ('issued', models.PositiveIntegerField(default=0, verbose_name='factures émises')),
                ('already_invoiced', models.PositiveIntegerField(default=0, verbose_name='clients déjà facturés')),
                ('nothing_to_bill', models.PositiveIntegerField(default=0, verbose_name='clients sans montant')),
                ('failed', models.PositiveIntegerField(default=0, verbose_name='clients en échec')),
                ('chunks_total', models.PositiveIntegerField(default=0, verbose_name='lots')),
                ('chunks_done', models.PositiveIntegerField(default=0, verbose_name='lots terminés')),
                ('total_incl_vat_cents', models.BigIntegerField(default=0, verbose_name='total TTC (centimes)')),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='commencée le')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finie le')),
            ],
            options={
                'verbose_name': 'facturation mensuelle',
                'verbose_name_plural': 'facturations mensuelles',
                'ordering': ['-started_at', '-pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('period__day', 1)), name='billing_run_period_is_a_month'), models.CheckConstraint(condition=models.Q(('status__in', ['running', 'done', 'incomplete'])), name='billing_run_status_valid')],
            },
        ),
        migrations.AddField(
            model_name='invoice',
            name='run',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='invoices', to='billing.billingrun', verbose_name='facturation mensuelle'),
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
