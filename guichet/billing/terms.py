"""When and how an invoice is paid: the payment method and the due date or debit date.

The billing run asks the function named by settings.BILLING_PAYMENT_TERMS, so the module
that holds the customers' SEPA mandates can answer « direct debit on the 5th » without
billing knowing about mandates.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Invoice
from .periods import add_months

# A debit is announced on the invoice at least this long before it is made (F5).
DEBIT_NOTICE_DAYS = 14


@dataclass(frozen=True)
class PaymentTerms:
    method: str
    due_date: datetime.date


def pay_on_receipt(*, customer, issue_date: datetime.date) -> PaymentTerms:
    """The default: paid by the customer within BILLING_PAYMENT_DAYS of the invoice date."""
    return PaymentTerms(
        Invoice.PaymentMethod.ON_RECEIPT,
        issue_date + datetime.timedelta(days=settings.BILLING_PAYMENT_DAYS),
    )


def direct_debit(*, issue_date: datetime.date, debit_day: int) -> PaymentTerms:
    """Debited on the customer's debit day, the first one at least 14 days after the invoice."""
    earliest = issue_date + datetime.timedelta(days=DEBIT_NOTICE_DAYS)
    if not 1 <= debit_day <= 28:
        raise ValueError("a debit day is between 1 and 28")
    day = earliest.replace(day=debit_day)
    if day < earliest:
        day = add_months(day, 1)
    return PaymentTerms(Invoice.PaymentMethod.DIRECT_DEBIT, day)


def payment_terms(*, customer, issue_date: datetime.date) -> PaymentTerms:
    return import_string(settings.BILLING_PAYMENT_TERMS)(customer=customer, issue_date=issue_date)


def payment_terms_many(*, customers, issue_date: datetime.date) -> dict[int, PaymentTerms]:
    """The terms of many customers: in one go when the function BILLING_PAYMENT_TERMS names
    offers a variant for many (its `many` attribute), else one customer at a time."""
    function = import_string(settings.BILLING_PAYMENT_TERMS)
    many = getattr(function, "many", None)
    if many is not None:
        return many(customers=customers, issue_date=issue_date)
    return {
        customer.pk: function(customer=customer, issue_date=issue_date) for customer in customers
    }


payment_terms.many = payment_terms_many
pay_on_receipt.many = lambda *, customers, issue_date: {
    customer.pk: pay_on_receipt(customer=customer, issue_date=issue_date) for customer in customers
}
