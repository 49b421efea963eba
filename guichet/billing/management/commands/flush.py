"""Django's flush, allowed past the triggers that keep issued invoices (see billing/guard.py).

Flush erases the whole database on purpose: the test suite runs it after every transactional
test, and on PostgreSQL its TRUNCATE already passes row triggers. This keeps SQLite the same.
"""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from guichet.billing.guard import billing_flush_allowed


class Command(flush.Command):
    def handle(self, **options):
        with billing_flush_allowed(connections[options.get("database") or DEFAULT_DB_ALIAS]):
            return super().handle(**options)
