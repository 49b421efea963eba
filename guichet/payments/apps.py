"""Payments: the ledger and balance, card payments through a provider, SEPA mandates and
debit files (« Payer en ligne », « Mode de paiement »). Knows billing; billing never knows it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PaymentsConfig(AppConfig):
    name = "guichet.payments"
    verbose_name = gettext_lazy("Paiements")
