"""The database refuses to change an issued invoice or its lines, whatever ORM path or SQL asks.

Python refuses first, with a clear InvoiceImmutableError (models.py); these triggers catch
what gets past it: `_base_manager`, `QuerySet.update()` called on the plain class, raw SQL.
Both vendors answer with an integrity error (SQLSTATE 23001 on PostgreSQL, RAISE(ABORT) on
SQLite), so callers see django.db.IntegrityError either way.

What still changes on an issued invoice is Invoice.MUTABLE_FIELDS (status, paid_at, pdf) and
pdf_sha256 from '' to a value, once (InvoiceQuerySet.pdf_claim). Every other column is
compared, OLD against NEW. A line is never updated nor deleted, an invoice never deleted.

Adding a line: invoice_issue() inserts the invoice, then its lines, in one transaction.
- PostgreSQL: inserting an invoice records its id in a transaction-local setting
  (set_config(..., is_local => true): gone at commit or rollback, and undone by a rollback
  to a savepoint); a line is accepted only for that invoice, the last one this transaction
  inserted. A line for an invoice of an earlier transaction is refused.
- SQLite: a trigger has no way to tell which transaction wrote the invoice (no transaction
  id, no transaction-local variable), so the database accepts the insert; the Python guard
  (InvoiceLine.save and InvoiceLineQuerySet.bulk_create) refuses it.

Emptying the tables on purpose (`manage.py flush`, run by the test suite after each
transactional test): PostgreSQL's flush TRUNCATEs, which fires no row trigger. SQLite's flush
DELETEs, so its delete triggers ask guichet_billing_locked(), a function Django registers on
each connection (billing/guard.py) that only our flush command turns off while it runs.

Beware on SQLite: a later migration that alters billing_invoice or billing_invoiceline
rebuilds the table, which drops its triggers; such a migration must install them again
(test_immutability checks they are there). On PostgreSQL the invoice check compares the
whole row as JSON minus the mutable columns, so a column added later is frozen by default.
"""

from django.db import migrations

MUTABLE = ("status", "paid_at", "pdf")
# Every column of billing_invoice but MUTABLE and pdf_sha256 (checked on its own below).
FROZEN_SQLITE = (
    "id",
    "number",
    "customer_id",
    "customer_reference",
    "customer_name",
    "billing_address",
    "seller",
    "period",
    "issue_date",
    "payment_method",
    "due_date",
    "total_excl_vat_cents",
    "total_vat_cents",
    "total_incl_vat_cents",
    "source",
    "created_at",
)

INVOICE_CHANGED = (
    "Facture émise : seuls son état, sa date de paiement et son PDF peuvent encore changer."
)
INVOICE_DELETED = "Facture émise : elle est conservée, jamais supprimée."
LINE_CHANGED = "Ligne de facture émise : elle n'est jamais modifiée ni supprimée."
LINE_ADDED = "Facture émise : elle ne reçoit plus de lignes."


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def raise_sqlite(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, {literal(message)}); END"


SQLITE_INSTALL = [
    "CREATE TRIGGER billing_invoice_frozen BEFORE UPDATE ON billing_invoice WHEN "
    + " OR ".join(f'OLD."{column}" IS NOT NEW."{column}"' for column in FROZEN_SQLITE)
    + " OR (OLD.pdf_sha256 IS NOT NEW.pdf_sha256 AND OLD.pdf_sha256 <> '') "
    + raise_sqlite(INVOICE_CHANGED),
    "CREATE TRIGGER billing_invoice_kept BEFORE DELETE ON billing_invoice "
    f"WHEN guichet_billing_locked() {raise_sqlite(INVOICE_DELETED)}",
    f"CREATE TRIGGER billing_invoiceline_frozen BEFORE UPDATE ON billing_invoiceline "
    f"{raise_sqlite(LINE_CHANGED)}",
    "CREATE TRIGGER billing_invoiceline_kept BEFORE DELETE ON billing_invoiceline "
    f"WHEN guichet_billing_locked() {raise_sqlite(LINE_CHANGED)}",
]
SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "billing_invoice_frozen",
        "billing_invoice_kept",
        "billing_invoiceline_frozen",
        "billing_invoiceline_kept",
    )
]


def raise_postgresql(message: str) -> str:
    return f"RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = {literal(message)};"


# No '%' anywhere: these run without parameters, and psycopg would read it as a placeholder.
MUTABLE_ARRAY = "ARRAY[" + ", ".join(literal(c) for c in (*MUTABLE, "pdf_sha256")) + "]"
POSTGRESQL_INSTALL = [
    f"""
    CREATE FUNCTION billing_invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            {raise_postgresql(INVOICE_DELETED)}
        END IF;
        IF (to_jsonb(NEW) - {MUTABLE_ARRAY}) IS DISTINCT FROM (to_jsonb(OLD) - {MUTABLE_ARRAY})
           OR (NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256 AND OLD.pdf_sha256 <> '') THEN
            {raise_postgresql(INVOICE_CHANGED)}
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER billing_invoice_guard BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_guard()
    """,
    """
    CREATE FUNCTION billing_invoice_opened() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM set_config('guichet.billing_open_invoice', NEW.id::text, true);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER billing_invoice_opened AFTER INSERT ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_opened()
    """,
    f"""
    CREATE FUNCTION billing_invoiceline_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.invoice_id::text IS DISTINCT FROM
                    current_setting('guichet.billing_open_invoice', true) THEN
                {raise_postgresql(LINE_ADDED)}
            END IF;
            RETURN NEW;
        END IF;
        {raise_postgresql(LINE_CHANGED)}
    END
    $$
    """,
    """
    CREATE TRIGGER billing_invoiceline_guard BEFORE INSERT OR UPDATE OR DELETE
    ON billing_invoiceline FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_guard()
    """,
]
POSTGRESQL_UNINSTALL = [
    "DROP TRIGGER IF EXISTS billing_invoiceline_guard ON billing_invoiceline",
    "DROP FUNCTION IF EXISTS billing_invoiceline_guard()",
    "DROP TRIGGER IF EXISTS billing_invoice_opened ON billing_invoice",
    "DROP FUNCTION IF EXISTS billing_invoice_opened()",
    "DROP TRIGGER IF EXISTS billing_invoice_guard ON billing_invoice",
    "DROP FUNCTION IF EXISTS billing_invoice_guard()",
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    # Other engines get the Python guards only: say nothing rather than fail the migration.
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRESQL_INSTALL})


def uninstall(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_UNINSTALL, "postgresql": POSTGRESQL_UNINSTALL})


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="invoice",
            options={
                "base_manager_name": "objects",
                "ordering": ["-issue_date", "-number"],
                "verbose_name": "facture",
                "verbose_name_plural": "factures",
            },
        ),
        migrations.AlterModelOptions(
            name="invoiceline",
            options={
                "base_manager_name": "objects",
                "ordering": ["invoice", "position"],
                "verbose_name": "ligne de facture",
                "verbose_name_plural": "lignes de facture",
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
