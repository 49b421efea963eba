"""Accounts: users, login by client reference, sessions."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "guichet.accounts"
    verbose_name = "Comptes et accès"
