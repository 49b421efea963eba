"""Catalogue and subscriptions: what the operator sells and what each customer has."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CatalogConfig(AppConfig):
    name = "guichet.catalog"
    verbose_name = gettext_lazy("Catalogue et abonnements")
