"""Core: what every page shares (brand, formatting, static pages)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CoreConfig(AppConfig):
    name = "guichet.core"
    verbose_name = gettext_lazy("Socle")
