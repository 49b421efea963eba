"""« Contactez-nous »: contact requests, the departments they go to, partner points."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class SupportConfig(AppConfig):
    name = "guichet.support"
    verbose_name = gettext_lazy("Demandes et points d'accueil")
