"""Demo payments, called by the demo loader after the invoices: past invoices settled by
recorded payments (through the ledger, as real money would settle them), and one card payer
with an amount due now so « Payer en ligne » can be tried at once.

Each part is its own function (`demo_card_payer`, `demo_past_payments`; the mandates have
theirs), and each creates only what is missing, so loading twice changes nothing.
"""

import datetime

from django.db.models import F
from django.utils import timezone

from guichet.billing.models import Invoice
from guichet.customers.demo import CUSTOMERS, DEMO_REFERENCE
from guichet.customers.models import Customer

from .balance import settled_cents_expression
from .models import Mandate, Payment
from .services.ledger import payment_record
from .services.mandates import BankDetails, mandate_record

# Pays by card (no mandate) and leaves their latest invoice to pay: the card journey's subscriber.
DEMO_CARD_PAYER = "01776110"
assert DEMO_CARD_PAYER != DEMO_REFERENCE  # the guide's subscriber pays by direct debit

_METHOD = {
    Invoice.PaymentMethod.DIRECT_DEBIT: Payment.Method.DIRECT_DEBIT,
    Invoice.PaymentMethod.ON_RECEIPT: Payment.Method.CARD,
}


def demo_payments(*, today: datetime.date | None = None) -> int:
    """Settle the demo's past invoices; returns how many payments were recorded."""
    today = today or timezone.localdate()
    references = [data["reference"] for data in CUSTOMERS]
    return demo_past_payments(
        references=[r for r in references if r != DEMO_CARD_PAYER], today=today
    ) + demo_card_payer(today=today)


def demo_card_payer(*, today: datetime.date | None = None) -> int:
    """The card payer paid every invoice but the latest, which is due now (whatever its date)."""
    today = today or timezone.localdate()
    customer = Customer.objects.filter(reference=DEMO_CARD_PAYER).first()
    if customer is None:
        return 0
    # A card payer: whatever mandate a demo fixture gave them is not theirs to keep.
    if Mandate.objects.for_customer(customer).active().exists():
        raise RuntimeError(f"the demo card payer {DEMO_CARD_PAYER} must not have a mandate")
    latest = Invoice.objects.for_customer(customer).order_by("-issue_date", "-number").first()
    if latest is None:
        return 0
    return _settle_until(
        customer, Invoice.objects.for_customer(customer).exclude(pk=latest.pk), today
    )


def demo_past_payments(*, references: list[str], today: datetime.date) -> int:
    """One payment per invoice whose due or debit date has passed, on that date, as a
    customer who pays on time (or whose debit went through) would have it."""
    recorded = 0
    for customer in Customer.objects.filter(reference__in=references).order_by("reference"):
        recorded += _settle_until(customer, Invoice.objects.for_customer(customer), today)
    return recorded


def _settle_until(customer: Customer, invoices, today: datetime.date) -> int:
    """Pay what remains of each open invoice due before today, oldest first."""
    due = (
        invoices.exclude(status=Invoice.Status.PAID)
        .filter(due_date__lt=today)
        .annotate(remaining=F("total_incl_vat_cents") - settled_cents_expression())
        .filter(remaining__gt=0)
        .order_by("issue_date", "number")
        .values_list("remaining", "due_date", "payment_method")
    )
    recorded = 0
    for remaining, due_date, method in due:
        payment_record(
            customer=customer,
            amount_cents=remaining,
            method=_METHOD[method],
            confirmed_at=timezone.make_aware(datetime.datetime.combine(due_date, datetime.time(9))),
        )
        recorded += 1
    return recorded


# The guide's subscriber pays by direct debit on the 5th from this fictional account: the
# French test IBAN of the EPC's and banks' documentation (valid check digits, no real account).
DEMO_MANDATE_IBAN = "FR7630006000011234567890189"
DEMO_MANDATE_DEBIT_DAY = 5


def demo_mandates() -> int:
    """The guide's subscriber's SEPA mandate, signed on paper before the invoices of the demo
    (so the billing run debits them); 1 if it was created. A subscriber who already has a
    mandate (active or revoked in the demo) keeps what they did."""
    customer = Customer.objects.filter(reference=DEMO_REFERENCE).first()
    if customer is None or Mandate.objects.for_customer(customer).exists():
        return 0
    mandate_record(
        customer=customer,
        details=BankDetails(
            iban=DEMO_MANDATE_IBAN,
            bic="",
            account_holder=customer.display_name,
            debit_day=DEMO_MANDATE_DEBIT_DAY,
        ),
        # Before the 14 months of demo invoices.
        signed_at=timezone.now() - datetime.timedelta(days=480),
    )
    return 1
