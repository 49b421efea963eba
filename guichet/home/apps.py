"""Home: the subscriber's home page, which composes the other apps (contract, offer, balance)."""

from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "guichet.home"
    verbose_name = "Accueil"
