"""The balance (B4), read in a constant number of queries whatever the number of invoices.

What is owed is what the open invoices say minus what payments already settled of them; the
credit is the confirmed money no invoice took yet. Both come from the same rows the ledger
writes (`guichet.payments.services.ledger`), so the home page, « Payer en ligne » and
« Mes factures » always agree.
"""

import datetime
from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from guichet.billing.models import Invoice
from guichet.core.prepared import PreparedQuery

from .models import Allocation, Payment


@dataclass(frozen=True)
class Balance:
    owed_cents: int
    credit_cents: int
    # The earliest due or debit date among the invoices not fully settled (None when none).
    next_due_date: datetime.date | None
    # Every invoice left to settle is to be taken by direct debit (nothing to pay by card).
    all_debited: bool

    @property
    def due_cents(self) -> int:
        """What the customer still has to pay: a credit not yet spent counts against it."""
        return max(self.owed_cents - self.credit_cents, 0)

    @property
    def is_up_to_date(self) -> bool:
        return self.due_cents == 0


def settled_cents_expression():
    """How much of each invoice payments settled, as an expression on an Invoice queryset.

    billing reaches it through settings.BILLING_SETTLED_CENTS (it never imports payments), to
    show « reste 12,40 € » in « Mes factures » in the same single query as the list.
    """
    allocated = (
        Allocation.objects.filter(invoice_id=OuterRef("pk"))
        .order_by()
        .values("invoice_id")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    return Coalesce(Subquery(allocated, output_field=IntegerField()), Value(0))


def _open_invoices(customer_id):
    return (
        Invoice.objects.filter(customer_id=customer_id)
        .exclude(status=Invoice.Status.PAID)
        .annotate(remaining=F("total_incl_vat_cents") - settled_cents_expression())
        .filter(remaining__gt=0)
        .values_list("remaining", "due_date", "payment_method")
    )


def _unspent_payments(customer_id):
    spent = (
        Allocation.objects.filter(payment_id=OuterRef("pk"))
        .order_by()
        .values("payment_id")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    return (
        Payment.objects.filter(customer_id=customer_id)
        .confirmed()
        .annotate(
            unspent=F("amount_cents")
            - Coalesce(Subquery(spent, output_field=IntegerField()), Value(0))
        )
        .order_by()
        .values_list("unspent")
    )


# Built and compiled once per process (guichet/core/prepared.py): every page showing the
# balance would otherwise spend more time building these two queries than running them.
_OPEN_INVOICES = PreparedQuery(_open_invoices)
_UNSPENT_PAYMENTS = PreparedQuery(_unspent_payments)


def balance_for(customer) -> Balance:
    """Two queries: the open invoices with what settled them, and the customer's credit."""
    open_invoices = _OPEN_INVOICES.rows(customer.pk)
    credit = sum(unspent for (unspent,) in _UNSPENT_PAYMENTS.rows(customer.pk))
    return Balance(
        owed_cents=sum(remaining for remaining, _, _ in open_invoices),
        credit_cents=credit,
        next_due_date=min((due for _, due, _ in open_invoices), default=None),
        all_debited=bool(open_invoices)
        and all(method == Invoice.PaymentMethod.DIRECT_DEBIT for _, _, method in open_invoices),
    )
