"""The sandbox provider: a test payment page served by Guichet itself (demo, development, tests).

It behaves like a hosted payment page of a real provider: the customer is sent to
`/bac-a-sable-paiement/<token>/`, types one of the documented test card numbers, and the
sandbox decides the outcome, then sends a signed notification to our notification endpoint
and sends the customer back to our return page. Nothing real is charged, and the page says so.

The notification is a JSON body with the header
`Guichet-Sandbox-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with
settings.PAYMENTS_SANDBOX_SECRET, checked with a 300 s tolerance like Stripe's webhooks.

The card number only picks the outcome: it is never stored, logged or put in the notification.
"""

import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from .base import Checkout, NotificationError, ProviderEvent

SIGNATURE_HEADER = "Guichet-Sandbox-Signature"
TOLERANCE_SECONDS = 300
# How long the customer has on the sandbox page; after that the payment is expired (cancelled),
# as a real provider's checkout session expires.
SESSION_SECONDS = 3600
_TOKEN_SALT = "guichet.payments.sandbox.checkout"
_OUTCOME_CACHE_PREFIX = "payments:sandbox:outcome:"

# The documented test cards (README and the sandbox page): digits only.
CARD_SUCCEEDS = "4242424242424242"
CARD_REFUSED = "4000000000000002"
TEST_CARDS = {CARD_SUCCEEDS: "succeeded", CARD_REFUSED: "refused"}

EVENT_TYPES = {
    "succeeded": "payment.succeeded",
    "refused": "payment.refused",
    "cancelled": "payment.cancelled",
}
OUTCOMES = {event_type: outcome for outcome, event_type in EVENT_TYPES.items()}


def card_outcome(card_number: str) -> str | None:
    """« succeeded » or « refused » for a test card (spaces and dashes ignored), else None."""
    digits = "".join(char for char in card_number if char not in " -\u00a0")
    return TEST_CARDS.get(digits)


def notification_sign(body: bytes, *, timestamp: int | None = None) -> str:
    """The signature header's value for `body`, as the sandbox sends it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={_hmac(timestamp, body)}"


def _hmac(timestamp: int, body: bytes) -> str:
    key = settings.PAYMENTS_SANDBOX_SECRET.encode()
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


class SandboxProvider:
    name = "sandbox"

    def checkout_start(self, *, payment, success_url, cancel_url, customer_email):
        # The page is ours, so the way back is a path on this site: the sandbox never sends
        # the customer to another host, whatever the return addresses say.
        token = signing.dumps(
            {
                "reference": payment.reference,
                "success": urlsplit(success_url).path,
                "cancel": urlsplit(cancel_url).path,
            },
            salt=_TOKEN_SALT,
            key=settings.PAYMENTS_SANDBOX_SECRET,
        )
        return Checkout(
            redirect_url=reverse("payments:sandbox", args=[token]),
            provider_reference=self.provider_reference(payment.reference),
        )

    @staticmethod
    def provider_reference(reference: str) -> str:
        # Deterministic, so starting the checkout again for one payment gives the same id.
        return "sbx_" + hashlib.sha256(f"sandbox:{reference}".encode()).hexdigest()[:24]

    @staticmethod
    def checkout_read(token: str) -> dict | None:
        """What the sandbox page's token says (payment reference, way back), or None."""
        try:
            return signing.loads(
                token,
                salt=_TOKEN_SALT,
                key=settings.PAYMENTS_SANDBOX_SECRET,
                max_age=SESSION_SECONDS,
            )
        except signing.BadSignature:
            return None

    def decision_record(self, *, payment, outcome: str) -> tuple[bytes, dict[str, str]]:
        """The customer decided on the sandbox page: remember it (as a provider would, for
        `payment_outcome`) and return the signed notification to deliver."""
        event = {
            "id": "evt_" + secrets.token_hex(12),
            "type": EVENT_TYPES[outcome],
            "created": int(time.time()),
            "payment_reference": payment.reference,
            "provider_reference": self.provider_reference(payment.reference),
            "amount_cents": payment.amount_cents,
            "currency": payment.currency,
        }
        # add(): the first decision stands, as on a real page that closes once paid.
        cache.add(_OUTCOME_CACHE_PREFIX + payment.reference, event, timeout=7 * 24 * 3600)
        event = cache.get(_OUTCOME_CACHE_PREFIX + payment.reference) or event
        return self.notification_build(event)

    @staticmethod
    def notification_build(
        event: dict, *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode()
        return body, {SIGNATURE_HEADER: notification_sign(body, timestamp=timestamp)}

    def notification_parse(self, *, body: bytes, headers) -> ProviderEvent:
        header = _header(headers, SIGNATURE_HEADER)
        if not header:
            raise NotificationError("missing Guichet-Sandbox-Signature header")
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise NotificationError("malformed signature header: no timestamp") from None
        signature = parts.get("v1", "")
        if not hmac.compare_digest(signature.encode(), _hmac(timestamp, body).encode()):
            raise NotificationError("bad signature")
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise NotificationError(f"stale timestamp (more than {TOLERANCE_SECONDS} s)")
        try:
            data = json.loads(body)
            event_type = str(data["type"])
            amount = data["amount_cents"]
            if isinstance(amount, bool) or not isinstance(amount, int):
                raise TypeError("amount_cents is not an integer")
            return ProviderEvent(
                event_id=str(data["id"]),
                event_type=event_type,
                outcome=OUTCOMES.get(event_type, "other"),
                payment_reference=str(data["payment_reference"]),
                provider_reference=str(data.get("provider_reference", "")),
                amount_cents=amount,
                currency=str(data["currency"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise NotificationError(f"malformed body: {error}") from None

    def payment_outcome(self, *, payment) -> ProviderEvent | None:
        event = cache.get(_OUTCOME_CACHE_PREFIX + payment.reference)
        if event is None:
            if (time.time() - payment.created_at.timestamp()) <= SESSION_SECONDS:
                return None
            # The page expired without a decision: the payment is abandoned.
            event = {
                "id": f"evt_expired_{payment.reference}",
                "type": EVENT_TYPES["cancelled"],
                "payment_reference": payment.reference,
                "provider_reference": self.provider_reference(payment.reference),
                "amount_cents": payment.amount_cents,
                "currency": payment.currency,
            }
        return ProviderEvent(
            event_id=event["id"],
            event_type=event["type"],
            outcome=OUTCOMES[event["type"]],
            payment_reference=event["payment_reference"],
            provider_reference=event["provider_reference"],
            amount_cents=event["amount_cents"],
            currency=event["currency"],
        )


def _header(headers, name: str) -> str:
    """A header from a request's headers or a plain dict, whatever its case."""
    wanted = name.lower()
    for key, value in dict(headers).items():
        if key.lower() == wanted:
            return str(value)
    return ""
