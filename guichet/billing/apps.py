"""Billing: invoices and their lines, numbering, billing run, import, PDF; « Mes factures »."""

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "guichet.billing"
    verbose_name = "Facturation"
