"""Home: the subscriber's home page, which composes the other apps (contract, offer, balance)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class HomeConfig(AppConfig):
    name = "guichet.home"
    verbose_name = gettext_lazy("Accueil")
