"""Privacy: the personal data policy (and later the data export and retention)."""

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "guichet.privacy"
    verbose_name = "Données personnelles"
