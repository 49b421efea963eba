"""Demo payments: past invoices settled through the ledger, a card payer with an amount due."""

import datetime

import pytest
import time_machine

from guichet.accounts.models import User
from guichet.billing.models import Invoice
from guichet.customers.models import Customer
from guichet.demo.loader import load_demo
from guichet.payments.balance import balance_for
from guichet.payments.demo import DEMO_CARD_PAYER
from guichet.payments.models import Allocation, Payment

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def demo():
    moment = datetime.datetime.combine(TODAY, datetime.time(9), tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        load_demo()
        yield


def test_past_invoices_are_settled_by_recorded_payments():
    past = Invoice.objects.filter(due_date__lt=TODAY).exclude(customer__reference=DEMO_CARD_PAYER)
    assert past.exists()
    assert not past.exclude(status=Invoice.Status.PAID).exists()
    for invoice in past:
        allocation = Allocation.objects.select_related("payment").get(invoice=invoice)
        assert allocation.amount_cents == invoice.total_incl_vat_cents
        assert allocation.payment.status == Payment.Status.CONFIRMED
        assert allocation.payment.confirmed_at.date() == invoice.due_date
        assert invoice.paid_at == allocation.payment.confirmed_at
    # Nothing is paid that was not due, and nobody has money left over.
    assert not Invoice.objects.filter(due_date__gte=TODAY, status=Invoice.Status.PAID).exists()
    for customer in Customer.objects.all():
        assert balance_for(customer).credit_cents == 0


def test_the_card_payer_has_an_amount_due_now(client):
    payer = Customer.objects.get(reference=DEMO_CARD_PAYER)
    balance = balance_for(payer)
    latest = Invoice.objects.for_customer(payer).order_by("-issue_date").first()
    assert balance.due_cents == latest.total_incl_vat_cents > 0
    assert not balance.all_debited
    assert not payer.mandates.exists()

    client.force_login(User.objects.get(customer=payer))
    html = client.get("/accueil/").content.decode()
    assert "Montant dû" in html and 'class="button" href="/payer-en-ligne/"' in html


def test_loading_twice_records_no_other_payment():
    count = Payment.objects.count()
    load_demo()
    assert Payment.objects.count() == count
