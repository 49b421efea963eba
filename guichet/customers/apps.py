"""Customers: the subscriber's record, holders, addresses and contact details; the home page."""

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "guichet.customers"
    verbose_name = "Clients"
