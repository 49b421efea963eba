"""The demo's invoices: 14 months from the same billing run, loaded once."""

import datetime

import pytest
import time_machine

from guichet.billing.models import Invoice
from guichet.core.models import OutboxEmail
from guichet.demo.loader import DEMO_REFERENCE, load_demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("today", [datetime.date(2026, 11, 26), datetime.date(2027, 3, 3)])
def test_the_demo_has_fourteen_months_of_invoices_and_twelve_listed(today):
    moment = datetime.datetime.combine(today, datetime.time(9), tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        load_demo()
        invoices = Invoice.objects.filter(customer__reference=DEMO_REFERENCE)

        assert invoices.count() == 14
        assert invoices.last_12_months().count() == 12
        assert {invoice.issue_date.day for invoice in invoices} == {25}
        # Settled by payments once due; debited on the 5th at least 14 days after the invoice,
        # the guide's subscriber has the latest one or two still to be debited.
        open_ones = invoices.exclude(status=Invoice.Status.PAID)
        assert 1 <= open_ones.count() <= 2
        assert not open_ones.filter(due_date__lt=today).exists()
        assert set(open_ones.values_list("payment_method", flat=True)) == {"direct_debit"}
        # The months billed before are not announced by e-mail, the latest one is.
        assert OutboxEmail.objects.filter(template="invoice_available").count() == 7


def test_loading_the_demo_twice_adds_no_invoice():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC)):
        load_demo()
        numbers = list(Invoice.objects.order_by("number").values_list("number", "status"))
        load_demo()
        assert list(Invoice.objects.order_by("number").values_list("number", "status")) == numbers
        assert numbers[-1][0] == f"T{len(numbers):07d}"
