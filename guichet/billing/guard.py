"""The database's half of « an issued invoice never changes »: what its triggers ask Python.

Migration 0002 installs triggers that refuse any change to an issued invoice or its lines,
whatever path the write takes (raw SQL, a manager that skips InvoiceQuerySet). One thing
must still empty those tables: `manage.py flush`, which the test suite runs after every
transactional test. On PostgreSQL it TRUNCATEs, and TRUNCATE fires no row trigger; on SQLite
it runs `DELETE FROM`, which would. So SQLite's delete triggers ask `guichet_billing_locked()`,
a function every Django connection registers here, and only our `flush` command unlocks it,
for its own duration. A connection that is not Django's (the sqlite3 shell) has no such
function: its deletes fail, which is the safe way to fail.
"""

import contextlib

SQLITE_LOCK_FUNCTION = "guichet_billing_locked"


def sqlite_register_lock(sender, connection, **kwargs) -> None:
    """connection_created receiver: give SQLite connections the function the triggers call."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_LOCK_FUNCTION,
        0,
        lambda: 0 if getattr(connection, "billing_flush_running", False) else 1,
    )


@contextlib.contextmanager
def billing_flush_allowed(connection):
    """Let a flush empty the invoice tables on this connection (SQLite; PostgreSQL TRUNCATEs)."""
    connection.billing_flush_running = True
    try:
        yield
    finally:
        connection.billing_flush_running = False
