"""Customers: the subscriber's record, holders, addresses and contact details."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CustomersConfig(AppConfig):
    name = "guichet.customers"
    verbose_name = gettext_lazy("Clients")
