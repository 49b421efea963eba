"""Core: what every page shares (brand, formatting, static pages)."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "guichet.core"
    verbose_name = "Socle"
