"""Privacy: the personal data policy (and later the data export and retention)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PrivacyConfig(AppConfig):
    name = "guichet.privacy"
    verbose_name = gettext_lazy("Données personnelles")
