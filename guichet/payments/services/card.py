"""Card payments (G1, G2, G4): starting one at the provider, and what its events do to it.

The amount is always ours: checked here against what the customer owes and the ceiling, stored
on the Payment, and given to the provider from the Payment, never from the browser. A payment
is pending until the provider's event, stored first (`notifications`), is applied here once,
under the customer's and the payment's row locks (the ledger's lock order).
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from guichet.core.emails import email_queue
from guichet.core.formatting import format_cents
from guichet.customers.models import Customer

from ..balance import balance_for
from ..forms import amount_ceiling
from ..models import Payment, PaymentEvent
from ..providers import ProviderError, provider
from .ledger import payment_cancel, payment_confirm, payment_reference_new, payment_refuse

logger = logging.getLogger(__name__)

# Payments a customer may start in an hour: enough for every honest retry, not for a script
# filling the provider (and our table) with sessions.
MAX_STARTS_PER_HOUR = 10


class CheckoutUnavailable(Exception):
    """The provider could not open its payment page; nothing was paid."""


@dataclass(frozen=True)
class CardPaymentStart:
    payment: Payment
    redirect_url: str


def card_payment_start(*, customer: Customer, amount_cents: int) -> CardPaymentStart:
    """Record a pending card payment of `amount_cents` and open the provider's page for it.

    ValidationError if the amount is not one we accept (whatever the form said) or the
    customer started too many payments lately; CheckoutUnavailable if the provider failed.
    """
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError(gettext("Le montant doit être supérieur à 0,00 €."), code="zero")
    ceiling = amount_ceiling(due_cents=balance_for(customer).due_cents)
    if amount_cents > ceiling:
        raise ValidationError(
            gettext(
                "Ce montant dépasse %(ceiling)s, le plus qu'un paiement en ligne peut "
                "régler : vérifiez la virgule."
            )
            % {"ceiling": format_cents(ceiling)},
            code="too_large",
        )
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = (
        # Payments started here online (a provider handles them), not those staff or the
        # demo recorded afterwards.
        Payment.objects.for_customer(customer)
        .filter(method=Payment.Method.CARD, created_at__gte=since)
        .exclude(provider="")
        .count()
    )
    if recent >= MAX_STARTS_PER_HOUR:
        raise ValidationError(
            gettext(
                "Vous avez commencé beaucoup de paiements en peu de temps : réessayez dans "
                "une heure."
            ),
            code="too_many",
        )
    card_provider = provider()
    with transaction.atomic():
        payment = Payment(
            customer=customer,
            reference=payment_reference_new(),
            method=Payment.Method.CARD,
            amount_cents=amount_cents,
            currency="EUR",
            provider=card_provider.name,
        )
        payment.full_clean()
        payment.save()
    # Outside any transaction: no row lock is held while the provider answers.
    back = settings.GUICHET_SITE_URL + reverse("payments:return", args=[payment.reference])
    try:
        checkout = card_provider.checkout_start(
            payment=payment,
            success_url=back,
            cancel_url=back,
            customer_email=customer.contact_email,
        )
    except ProviderError:
        logger.exception("Payment %s: the provider could not open its page", payment.reference)
        # The customer never reached a page where they could pay it.
        payment_cancel(payment_id=payment.pk)
        raise CheckoutUnavailable from None
    payment.provider_reference = checkout.provider_reference
    payment.save(update_fields=["provider_reference", "updated_at"])
    return CardPaymentStart(payment=payment, redirect_url=checkout.redirect_url)


def payment_event_apply(*, event_id: int) -> PaymentEvent:
    """Apply a stored event to its payment, once, whatever the order events arrive in.

    A success confirms the payment (even after a cancel or a refusal: the money was taken);
    a refusal or a cancel closes a pending payment and changes nothing after a success. An
    amount or currency that is not the payment's fails the event and leaves the payment alone.
    """
    payment_id = (
        PaymentEvent.objects.filter(pk=event_id).values_list("payment_id", flat=True).first()
    )
    customer_id = (
        Payment.objects.filter(pk=payment_id).values_list("customer_id", flat=True).first()
        if payment_id
        else None
    )
    with transaction.atomic():
        if customer_id:
            # The ledger's lock order, customer then payment: no deadlock with a confirmation
            # running for the same customer by another path.
            Customer.objects.select_for_update().filter(pk=customer_id).first()
        event = PaymentEvent.objects.select_for_update().get(pk=event_id)
        if event.status != PaymentEvent.Status.RECEIVED:
            return event
        if event.payment_id is None:
            return _event_close(event, PaymentEvent.Status.FAILED, "no payment of ours")
        payment = Payment.objects.select_for_update().get(pk=event.payment_id)
        if event.outcome not in ("succeeded", "refused", "cancelled"):
            return _event_close(event, PaymentEvent.Status.IGNORED, "not an outcome we act on")
        if event.amount_cents is not None and event.amount_cents != payment.amount_cents:
            return _event_close(
                event,
                PaymentEvent.Status.FAILED,
                f"amount {event.amount_cents} is not the payment's {payment.amount_cents}",
            )
        if event.currency.upper() != payment.currency.upper():
            return _event_close(
                event,
                PaymentEvent.Status.FAILED,
                f"currency {event.currency!r} is not the payment's {payment.currency!r}",
            )
        if event.outcome == "succeeded":
            return _payment_succeeded(event, payment)
        if event.outcome == "refused":
            changed = payment_refuse(payment_id=payment.pk)
        else:
            changed = payment_cancel(payment_id=payment.pk)
        if not changed:
            return _event_close(
                event, PaymentEvent.Status.IGNORED, f"payment already {payment.status}"
            )
        return _event_close(event, PaymentEvent.Status.APPLIED)


def _payment_succeeded(event: PaymentEvent, payment: Payment) -> PaymentEvent:
    if payment.status == Payment.Status.CONFIRMED:
        return _event_close(event, PaymentEvent.Status.IGNORED, "payment already confirmed")
    if payment.status != Payment.Status.PENDING:
        # A late success after a cancel or a refusal: the provider took the money.
        payment.status = Payment.Status.PENDING
        payment.save(update_fields=["status", "updated_at"])
    payment_confirm(payment_id=payment.pk)
    payment.refresh_from_db()
    customer = payment.customer
    if customer.contact_email:
        email_queue(
            to=customer.contact_email,
            template="payment_confirmed",
            context={
                "amount": format_cents(payment.amount_cents, language=customer.language),
                "reference": payment.reference,
                "confirmed_at": payment.confirmed_at,
            },
            language=customer.language,
        )
    return _event_close(event, PaymentEvent.Status.APPLIED)


def _event_close(event: PaymentEvent, status: str, error: str = "") -> PaymentEvent:
    event.status = status
    event.error = error
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "error", "processed_at"])
    return event
