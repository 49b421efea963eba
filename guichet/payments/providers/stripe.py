"""The Stripe adapter (G3): Checkout Sessions and signed webhooks, through the official library.

The customer types their card on Stripe's hosted Checkout page; Guichet only creates the
session (amount and currency from our Payment, never from the browser) and learns the outcome
from a webhook whose signature the library checks (`Stripe-Signature`, 300 s tolerance), or,
for a payment whose webhook never came, by reading the session back.

Settings: STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET (each also from *_FILE), STRIPE_API_BASE
(Stripe's own address; changed only by the tests, which point it at a local stand-in).
"""

import logging

import stripe
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from .base import Checkout, NotificationError, ProviderError, ProviderEvent

logger = logging.getLogger(__name__)

# A web worker waits for Stripe while the customer waits for their page: the library's own
# 80 s would hold both far too long. Its retries (same idempotency key) still apply.
TIMEOUT_SECONDS = 20
MAX_NETWORK_RETRIES = 2
WEBHOOK_TOLERANCE_SECONDS = 300

# Checkout Session events, in our terms. « completed » is a success only once paid: with a
# delayed method the money comes later, in « async_payment_succeeded » (or fails).
SESSION_EVENTS = {
    "checkout.session.completed": "succeeded",
    "checkout.session.async_payment_succeeded": "succeeded",
    "checkout.session.async_payment_failed": "refused",
    "checkout.session.expired": "cancelled",
}
# The languages of Stripe's page we can ask for; another page language lets Stripe choose.
CHECKOUT_LOCALES = {"fr", "en", "de", "it", "es", "nl"}


def idempotency_key(payment) -> str:
    """One key per payment: a retried request (ours or the library's) never makes two
    sessions, and Stripe answers the first session again."""
    return f"guichet-checkout-{payment.reference}"


class StripeProvider:
    name = "stripe"

    def __init__(self) -> None:
        self.webhook_secret = settings.STRIPE_WEBHOOK_SECRET
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
        )

    def checkout_start(
        self, *, payment, success_url: str, cancel_url: str, customer_email: str
    ) -> Checkout:
        # Every parameter comes from the payment and the customer's record, never from this
        # request (not even its language): Stripe refuses a reused idempotency key with other
        # parameters, so a retry must send exactly what the first try sent.
        language = payment.customer.language or settings.LANGUAGE_CODE
        with translation.override(language):
            # Shown on Stripe's page, in the customer's language.
            label = gettext("Paiement %(reference)s") % {"reference": payment.reference}
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": payment.currency.lower(),
                        "unit_amount": payment.amount_cents,
                        "product_data": {"name": label},
                    },
                }
            ],
            "client_reference_id": payment.reference,
            "metadata": {"payment_reference": payment.reference},
            "payment_intent_data": {"metadata": {"payment_reference": payment.reference}},
            "success_url": success_url,
            "cancel_url": cancel_url,
            "locale": language if language in CHECKOUT_LOCALES else "auto",
        }
        if customer_email:
            params["customer_email"] = customer_email
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": idempotency_key(payment)}
            )
        except stripe.StripeError as exc:
            logger.warning("Stripe Checkout Session for %s failed: %r", payment.reference, exc)
            raise ProviderError(f"Stripe: {type(exc).__name__}") from exc
        if session.amount_total != payment.amount_cents or (
            (session.currency or "").upper() != payment.currency.upper()
        ):
            # Never send a customer to pay another amount than the one we recorded.
            raise ProviderError(
                f"Stripe session {session.id} is for {session.amount_total} {session.currency}, "
                f"not {payment.amount_cents} {payment.currency}"
            )
        return Checkout(redirect_url=session.url, provider_reference=session.id)

    def notification_parse(self, *, body: bytes, headers) -> ProviderEvent:
        signature = _header(headers, "Stripe-Signature")
        try:
            event = stripe.Webhook.construct_event(
                body, signature, self.webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as exc:
            raise NotificationError(f"Stripe signature: {exc.user_message or exc}") from exc
        except (ValueError, TypeError, AttributeError) as exc:  # not UTF-8, JSON, an event
            raise NotificationError(f"Stripe webhook body unreadable: {exc}") from exc
        try:
            payload = event.to_dict()
            event_id, event_type = payload["id"], payload["type"]
            data_object = payload["data"]["object"]
            if not isinstance(data_object, dict):
                raise TypeError("data.object")
        except (KeyError, TypeError) as exc:
            raise NotificationError(f"Stripe webhook without {exc}") from exc
        if not isinstance(event_id, str) or not event_id:
            raise NotificationError("Stripe webhook without an event id")
        outcome = SESSION_EVENTS.get(event_type, "other")
        if event_type == "checkout.session.completed" and data_object.get("payment_status") not in (
            "paid",
            "no_payment_required",
        ):
            outcome = "other"
        return _event(
            event_id=event_id,
            event_type=event_type,
            outcome=outcome,
            data_object=data_object,
        )

    def payment_outcome(self, *, payment) -> ProviderEvent | None:
        if not payment.provider_reference:
            return None  # never reached Stripe: nothing to ask
        try:
            session = self.client.v1.checkout.sessions.retrieve(payment.provider_reference)
        except stripe.StripeError as exc:
            logger.warning("Stripe session %s unreadable: %r", payment.provider_reference, exc)
            raise ProviderError(f"Stripe: {type(exc).__name__}") from exc
        data_object = session.to_dict()
        if session.status == "complete" and session.payment_status == "paid":
            outcome = "succeeded"
        elif session.status == "expired":
            outcome = "cancelled"
        else:
            # Open, or complete with a delayed payment still on its way: ask again later.
            return None
        # A stable id: reading the same final state twice is one event, stored once.
        return _event(
            event_id=f"poll:{session.id}:{outcome}",
            event_type=f"checkout.session.poll.{session.status}",
            outcome=outcome,
            data_object=data_object,
        )


def _event(*, event_id: str, event_type: str, outcome: str, data_object: dict) -> ProviderEvent:
    # Signed by Stripe, but read defensively all the same: a field of an unexpected shape
    # makes an event without that field, never a 500 at the endpoint.
    is_session = data_object.get("object") == "checkout.session"
    metadata = data_object.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    reference = (data_object.get("client_reference_id") if is_session else None) or metadata.get(
        "payment_reference"
    )
    amount = data_object.get("amount_total") if is_session else None
    currency = data_object.get("currency") if is_session else None
    session_id = data_object.get("id") if is_session else None
    return ProviderEvent(
        event_id=event_id,
        event_type=event_type,
        outcome=outcome,
        payment_reference=reference if isinstance(reference, str) else "",
        provider_reference=session_id if isinstance(session_id, str) else "",
        amount_cents=amount if type(amount) is int else None,
        currency=currency.upper() if isinstance(currency, str) else "",
    )


def _header(headers, name: str) -> str | None:
    """A header from Django's request.headers (case-insensitive) or a plain dict."""
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value
