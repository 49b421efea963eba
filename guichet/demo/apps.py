"""Demo: the fictional data behind `make demo`, which every app contributes (nothing imports it)."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "guichet.demo"
    verbose_name = "Démonstration"
