"""The billing run with payments' terms (BILLING_PAYMENT_TERMS = by_mandate): a debit customer
gets « Prélèvement prévu le … », a card payer « À payer avant le … ». Here because it needs the
catalogue's subscriptions and payments' mandates together (home composes apps)."""

from datetime import date as D

from guichet.billing.models import Invoice
from guichet.billing.services import billing_run
from guichet.billing.terms import DEBIT_NOTICE_DAYS
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.payments.tests.test_terms import ISSUED_ON, mandate

NOVEMBER = D(2026, 11, 1)


def test_a_billing_run_gives_each_customer_their_terms(customer, other_customer):
    mandate(customer, debit_day=5)
    SubscriptionFactory(customer=customer, start_date=D(2025, 1, 1))
    SubscriptionFactory(customer=other_customer, start_date=D(2025, 1, 1))

    result = billing_run(period=NOVEMBER, issue_date=ISSUED_ON, notify=False, render_pdf=False)

    assert result.issued == 2
    debited = Invoice.objects.get(customer=customer)
    assert debited.payment_method == "direct_debit" and debited.due_date == D(2027, 1, 5)
    assert (debited.due_date - debited.issue_date).days >= DEBIT_NOTICE_DAYS
    assert debited.status_label == "Prélèvement prévu le 05/01/2027"
    card = Invoice.objects.get(customer=other_customer)
    assert card.payment_method == "on_receipt"
    assert card.status_label == "À payer avant le 11/12/2026"
