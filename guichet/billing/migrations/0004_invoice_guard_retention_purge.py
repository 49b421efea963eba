"""The retention purge may delete invoices issued before a date, and nothing more recent.

The triggers of 0002 refuse every delete. Issue 10 asks that invoices be kept as long as the
law asks, then deleted: billing.services.retention.invoices_purge names, for its own
transaction, the date before which an invoice may go (billing/guard.py,
billing_retention_purge_allowed), and the triggers now accept a delete of an invoice, or of
one of its lines, only when the invoice's issue_date is before that date.
- PostgreSQL: the transaction-local setting guichet.billing_retention_purge (unset or '':
  nothing is accepted). The trigger functions are replaced in place.
- SQLite: guichet_billing_purge_before(), a per-connection function (guard.py) returning that
  date or ''. The delete triggers are dropped and created again with the extra condition.
Everything else is 0002's, unchanged: updates, inserts, flush. Reversed, 0002's definitions
come back. A later migration that rebuilds billing_invoice or billing_invoiceline on SQLite
must reinstall SQLITE_INSTALL from here (not 0002's).
"""

import importlib

from django.db import migrations

guard = importlib.import_module("guichet.billing.migrations.0002_invoice_guard_triggers")

# '' when no purge runs: no issue_date is before it, so the delete is refused.
SQLITE_PURGE_ALLOWED = "IFNULL({issue_date} < guichet_billing_purge_before(), 0)"
SQLITE_KEPT = [
    "CREATE TRIGGER billing_invoice_kept BEFORE DELETE ON billing_invoice "
    "WHEN guichet_billing_locked() AND NOT "
    + SQLITE_PURGE_ALLOWED.format(issue_date="OLD.issue_date")
    + " "
    + guard.raise_sqlite(guard.INVOICE_DELETED),
    "CREATE TRIGGER billing_invoiceline_kept BEFORE DELETE ON billing_invoiceline "
    "WHEN guichet_billing_locked() AND NOT "
    + SQLITE_PURGE_ALLOWED.format(
        issue_date="(SELECT issue_date FROM billing_invoice WHERE id = OLD.invoice_id)"
    )
    + " "
    + guard.raise_sqlite(guard.LINE_CHANGED),
]
SQLITE_DROP_KEPT = [
    "DROP TRIGGER IF EXISTS billing_invoice_kept",
    "DROP TRIGGER IF EXISTS billing_invoiceline_kept",
]
# The whole set, for a later migration that rebuilds a table on SQLite.
SQLITE_INSTALL = [
    sql for sql in guard.SQLITE_INSTALL if "_kept BEFORE DELETE" not in sql
] + SQLITE_KEPT
SQLITE_UNINSTALL = guard.SQLITE_UNINSTALL
assert len(SQLITE_INSTALL) == len(guard.SQLITE_INSTALL)

PURGE_BEFORE = "NULLIF(current_setting('guichet.billing_retention_purge', true), '')::date"
POSTGRESQL_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION billing_invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.issue_date < {PURGE_BEFORE} THEN
                RETURN OLD;
            END IF;
            {guard.raise_postgresql(guard.INVOICE_DELETED)}
        END IF;
        IF (to_jsonb(NEW) - {guard.MUTABLE_ARRAY})
                IS DISTINCT FROM (to_jsonb(OLD) - {guard.MUTABLE_ARRAY})
           OR (NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256 AND OLD.pdf_sha256 <> '') THEN
            {guard.raise_postgresql(guard.INVOICE_CHANGED)}
        END IF;
        RETURN NEW;
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION billing_invoiceline_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.invoice_id::text IS DISTINCT FROM
                    current_setting('guichet.billing_open_invoice', true) THEN
                {guard.raise_postgresql(guard.LINE_ADDED)}
            END IF;
            RETURN NEW;
        END IF;
        IF TG_OP = 'DELETE' AND (
            SELECT issue_date FROM billing_invoice WHERE id = OLD.invoice_id
        ) < {PURGE_BEFORE} THEN
            RETURN OLD;
        END IF;
        {guard.raise_postgresql(guard.LINE_CHANGED)}
    END
    $$
    """,
]
# 0002's own definitions, replacing these in place.
POSTGRESQL_BACKWARD = [
    sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    for sql in guard.POSTGRESQL_INSTALL
    if "CREATE FUNCTION billing_invoice_guard()" in sql
    or "CREATE FUNCTION billing_invoiceline_guard()" in sql
]
assert len(POSTGRESQL_BACKWARD) == 2


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


def forward(apps, schema_editor):
    _run(
        schema_editor,
        {"sqlite": [*SQLITE_DROP_KEPT, *SQLITE_KEPT], "postgresql": POSTGRESQL_FORWARD},
    )


def backward(apps, schema_editor):
    previous = [sql for sql in guard.SQLITE_INSTALL if "_kept BEFORE DELETE" in sql]
    _run(
        schema_editor,
        {"sqlite": [*SQLITE_DROP_KEPT, *previous], "postgresql": POSTGRESQL_BACKWARD},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_debits_invoice_status_debit_sent"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
