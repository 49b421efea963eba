"""Customers: the subscriber's record, holders, addresses and contact details."""

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "guichet.customers"
    verbose_name = "Clients"
