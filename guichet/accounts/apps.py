"""Accounts: users, login by client reference, sessions."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "guichet.accounts"
    verbose_name = gettext_lazy("Comptes et accès")

    def ready(self):
        # Registers the builder of reset links with the outbox, in every process that sends
        # e-mail (Celery workers import no view that would load it otherwise).
        from . import services  # noqa: F401
