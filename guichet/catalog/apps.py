"""Catalogue and subscriptions: what the operator sells and what each customer has."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "guichet.catalog"
    verbose_name = "Catalogue et abonnements"
