"""Payment terms by mandate: the function BILLING_PAYMENT_TERMS names by default.

The billing run asks it how each invoice is paid; billing never imports payments, it reaches
this module only through that setting. A customer with an active SEPA mandate is debited on
their mandate's debit day (at least 14 days after the invoice, F5); anyone else pays on receipt
(by card, « Payer en ligne »).
"""

import datetime

from guichet.billing.terms import PaymentTerms, direct_debit, pay_on_receipt

from .models import Mandate


def by_mandate(*, customer, issue_date: datetime.date) -> PaymentTerms:
    debit_day = (
        Mandate.objects.for_customer(customer).active().values_list("debit_day", flat=True).first()
    )
    if debit_day is None:
        return pay_on_receipt(customer=customer, issue_date=issue_date)
    return direct_debit(issue_date=issue_date, debit_day=debit_day)


def by_mandate_many(*, customers, issue_date: datetime.date) -> dict[int, PaymentTerms]:
    """`by_mandate` for many customers in one query (a chunk of a billing run)."""
    debit_days = dict(
        Mandate.objects.active()
        .filter(customer_id__in=[customer.pk for customer in customers])
        .values_list("customer_id", "debit_day")
    )
    return {
        customer.pk: pay_on_receipt(customer=customer, issue_date=issue_date)
        if customer.pk not in debit_days
        else direct_debit(issue_date=issue_date, debit_day=debit_days[customer.pk])
        for customer in customers
    }


# Billing's run calls the variant for many when the function it is given has one.
by_mandate.many = by_mandate_many
