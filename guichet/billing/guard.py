"""The database's half of « an issued invoice never changes »: what its triggers ask Python.

Migration 0002 installs triggers that refuse any change to an issued invoice or its lines,
whatever path the write takes (raw SQL, a manager that skips InvoiceQuerySet). One thing
must still empty those tables: `manage.py flush`, which the test suite runs after every
transactional test. On PostgreSQL it TRUNCATEs, and TRUNCATE fires no row trigger; on SQLite
it runs `DELETE FROM`, which would. So SQLite's delete triggers ask `guichet_billing_locked()`,
a function every Django connection registers here, and only our `flush` command unlocks it,
for its own duration. A connection that is not Django's (the sqlite3 shell) has no such
function: its deletes fail, which is the safe way to fail.

The retention purge (billing.services.retention.invoices_purge) is the one other way: it
deletes invoices issued before a date, and only those. billing_retention_purge_allowed()
names that date for the current transaction: on PostgreSQL a transaction-local setting
(guichet.billing_retention_purge) the trigger functions read, on SQLite a connection
attribute returned by guichet_billing_purge_before(), which the delete triggers compare with
the invoice's issue_date. A more recent invoice is refused as before, inside that window too.
"""

import contextlib

SQLITE_LOCK_FUNCTION = "guichet_billing_locked"
SQLITE_PURGE_FUNCTION = "guichet_billing_purge_before"
POSTGRESQL_PURGE_SETTING = "guichet.billing_retention_purge"


def sqlite_register_lock(sender, connection, **kwargs) -> None:
    """connection_created receiver: give SQLite connections the function the triggers call."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_LOCK_FUNCTION,
        0,
        lambda: 0 if getattr(connection, "billing_flush_running", False) else 1,
    )
    # '' (no purge running) compares after no date: every delete stays refused.
    connection.connection.create_function(
        SQLITE_PURGE_FUNCTION,
        0,
        lambda: getattr(connection, "billing_retention_purge_before", "") or "",
    )


@contextlib.contextmanager
def billing_flush_allowed(connection):
    """Let a flush empty the invoice tables on this connection (SQLite; PostgreSQL TRUNCATEs)."""
    connection.billing_flush_running = True
    try:
        yield
    finally:
        connection.billing_flush_running = False


@contextlib.contextmanager
def billing_retention_purge_allowed(connection, issued_before):
    """Within this transaction, let the database delete invoices issued before that date.

    Only billing.services.retention.invoices_purge uses it. It must run inside atomic():
    on PostgreSQL the setting is transaction-local (gone at commit or rollback).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("billing_retention_purge_allowed() runs inside a transaction.")
    day = issued_before.isoformat()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [POSTGRESQL_PURGE_SETTING, day])
        yield
        # After an error the transaction (or its savepoint) rolls back, and the setting with it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', true)", [POSTGRESQL_PURGE_SETTING])
        return
    connection.billing_retention_purge_before = day
    try:
        yield
    finally:
        connection.billing_retention_purge_before = ""
