"""Card payment providers (G3): one interface, an adapter per provider, chosen by settings.

`provider()` gives the configured adapter (settings.PAYMENTS_PROVIDER: « sandbox » for the
demo and tests, « stripe » in production). Guichet never sees a card number: the customer
types it on the provider's page; we learn the outcome from the provider's signed
notification, which is stored and applied once (see services).
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Checkout, NotificationError, PaymentProvider, ProviderError, ProviderEvent

ADAPTERS = {
    "sandbox": "guichet.payments.providers.sandbox.SandboxProvider",
    "stripe": "guichet.payments.providers.stripe.StripeProvider",
}

__all__ = [
    "Checkout",
    "NotificationError",
    "PaymentProvider",
    "ProviderError",
    "ProviderEvent",
    "provider",
]


def provider(name: str | None = None) -> PaymentProvider:
    name = name or settings.PAYMENTS_PROVIDER
    return import_string(ADAPTERS[name])()
