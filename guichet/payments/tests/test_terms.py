"""Payment terms by mandate: direct debit for a customer with an active mandate, else on receipt."""

import datetime
from datetime import date as D

import pytest
from django.conf import settings
from django.utils import timezone

from guichet.billing.models import Invoice
from guichet.billing.terms import DEBIT_NOTICE_DAYS
from guichet.payments.models import Mandate
from guichet.payments.terms import by_mandate

ISSUED_ON = D(2026, 11, 26)


def mandate(customer, *, debit_day=5, status=Mandate.Status.ACTIVE) -> Mandate:
    return Mandate.objects.create(
        customer=customer,
        rum=f"RUM-TEST-{customer.reference}-{Mandate.objects.count()}",
        status=status,
        signed_at=timezone.now(),
        iban_encrypted="not-read-here",
        iban_last4="0189",
        account_holder="Claire Muller",
        debit_day=debit_day,
        revoked_at=timezone.now() if status == Mandate.Status.REVOKED else None,
    )


# The billing run's side (it needs subscriptions, which payments never imports) is in
# guichet/home/tests/test_billing_run_terms.py.


def test_it_is_the_default_payment_terms():
    assert settings.BILLING_PAYMENT_TERMS == "guichet.payments.terms.by_mandate"


def test_a_customer_with_an_active_mandate_is_debited_on_their_day(customer):
    mandate(customer, debit_day=5)
    terms = by_mandate(customer=customer, issue_date=ISSUED_ON)
    # 26/11 + 14 days = 10/12, past the 5th: debited on 05/01/2027.
    assert terms.method == Invoice.PaymentMethod.DIRECT_DEBIT
    assert terms.due_date == D(2027, 1, 5)


def test_the_debit_day_is_at_least_fourteen_days_after_the_invoice(customer):
    mandate(customer, debit_day=28)
    terms = by_mandate(customer=customer, issue_date=D(2026, 11, 1))
    assert terms.due_date == D(2026, 11, 28)
    assert terms.due_date - D(2026, 11, 1) >= datetime.timedelta(days=DEBIT_NOTICE_DAYS)


@pytest.mark.parametrize("has_revoked_mandate", [False, True])
def test_anyone_else_pays_on_receipt(customer, has_revoked_mandate):
    if has_revoked_mandate:
        mandate(customer, status=Mandate.Status.REVOKED)
    terms = by_mandate(customer=customer, issue_date=ISSUED_ON)
    assert terms.method == Invoice.PaymentMethod.ON_RECEIPT
    assert terms.due_date == ISSUED_ON + datetime.timedelta(days=settings.BILLING_PAYMENT_DAYS)


def test_another_customers_mandate_changes_nothing(customer, other_customer):
    mandate(other_customer)
    assert by_mandate(customer=customer, issue_date=ISSUED_ON).method == "on_receipt"
