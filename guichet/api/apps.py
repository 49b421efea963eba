from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "guichet.api"
    verbose_name = gettext_lazy("API des systèmes de l'opérateur")
