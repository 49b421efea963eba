"""Accounts: users, login by client reference, sessions."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "guichet.accounts"
    verbose_name = gettext_lazy("Comptes et accès")

    def ready(self):
        # Registers the builder of reset links with the outbox, in every process that sends
        # e-mail (Celery workers import no view that would load it otherwise).
        # contact_email registers the « email_confirm » links of D2 the same way.
        from . import contact_email, services  # noqa: F401
