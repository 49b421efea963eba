"""Billing: invoices and their lines, numbering, billing run, import, PDF; « Mes factures »."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class BillingConfig(AppConfig):
    name = "guichet.billing"
    verbose_name = "Facturation"

    def ready(self) -> None:
        from .guard import sqlite_register_lock

        # Before any connection opens: SQLite's invoice triggers call this function.
        connection_created.connect(sqlite_register_lock, dispatch_uid="billing_sqlite_lock")
        # Registers what the « facture disponible » e-mails of a billing run are rendered
        # from when they leave, in every process that sends e-mail (workers load no view).
        from .services import issue  # noqa: F401
