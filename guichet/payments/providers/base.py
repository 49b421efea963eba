"""What every payment provider adapter offers Guichet."""

from dataclasses import dataclass
from typing import Protocol


class NotificationError(Exception):
    """A notification that cannot be trusted or read: bad or missing signature, stale
    timestamp, malformed body. It is stored as failed and answered 400."""


class ProviderError(Exception):
    """The provider could not be reached or did not do what we asked (network failure,
    refused key, an answer that does not match our payment). Nothing was paid: the customer
    is told to try again later; the payment stays pending until the provider is asked again."""


@dataclass(frozen=True)
class Checkout:
    """Where to send the customer to pay, and the provider's id for this payment."""

    redirect_url: str
    provider_reference: str


@dataclass(frozen=True)
class ProviderEvent:
    """A verified notification, in our terms.

    outcome: « succeeded », « refused », « cancelled », or « other » (an event type we do not
    act on); payment_reference: our Payment.reference, as we gave it to the provider.
    """

    event_id: str
    event_type: str
    outcome: str
    payment_reference: str
    provider_reference: str
    amount_cents: int | None
    currency: str


class PaymentProvider(Protocol):
    name: str

    def checkout_start(
        self, *, payment, success_url: str, cancel_url: str, customer_email: str
    ) -> Checkout:
        """Create the provider's payment page for `payment` (amount and currency from it,
        never from the browser), idempotently for that payment."""

    def notification_parse(self, *, body: bytes, headers) -> ProviderEvent:
        """Verify the signature over the raw body and read the event; NotificationError if
        it cannot be trusted."""

    def payment_outcome(self, *, payment) -> ProviderEvent | None:
        """Ask the provider where a pending payment stands (for payments whose notification
        never came); None if it is still open."""
