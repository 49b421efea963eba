"""The ledger (B4): confirmed money settles the oldest open invoices first, the rest is credit."""

import datetime
import re
import threading
from datetime import date as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from guichet.billing.models import Invoice
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.customers.tests.factories import CustomerFactory
from guichet.payments.models import Allocation, Payment
from guichet.payments.services.ledger import (
    customer_has_credit,
    ledger_settle,
    payment_cancel,
    payment_confirm,
    payment_record,
    payment_reference_new,
    payment_refuse,
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's"
)


def invoice(customer, period: D, cents: int) -> Invoice:
    return InvoiceFactory(
        customer=customer,
        period=period,
        lines=[line_draft(period=period, price_incl_vat_cents=cents)],
    )


def pending(customer, cents: int, method=Payment.Method.CARD) -> Payment:
    return Payment.objects.create(
        customer=customer, reference=payment_reference_new(), method=method, amount_cents=cents
    )


def allocations(invoice: Invoice) -> int:
    return sum(Allocation.objects.filter(invoice=invoice).values_list("amount_cents", flat=True))


def status(invoice: Invoice) -> str:
    invoice.refresh_from_db()
    return invoice.status


def test_payments_settle_the_oldest_invoices_first_and_keep_the_rest_as_credit(
    customer, django_capture_on_commit_callbacks
):
    september = invoice(customer, D(2026, 9, 1), 2990)
    october = invoice(customer, D(2026, 10, 1), 2990)
    november = invoice(customer, D(2026, 11, 1), 4500)

    # 50,00 €: September in full (29,90), 20,10 of October; October owes 9,80.
    payment_record(customer=customer, amount_cents=5000, method=Payment.Method.CARD)
    assert (allocations(september), allocations(october), allocations(november)) == (2990, 2010, 0)
    assert (status(september), status(october), status(november)) == ("paid", "issued", "issued")

    # 15,00 €: the 9,80 left of October, then 5,20 of November; November owes 39,80.
    payment_record(customer=customer, amount_cents=1500, method=Payment.Method.CARD)
    assert (allocations(october), allocations(november)) == (2990, 520)
    assert (status(october), status(november)) == ("paid", "issued")

    # 50,00 €: the 39,80 of November, 10,20 left as credit.
    payment_record(customer=customer, amount_cents=5000, method=Payment.Method.CARD)
    assert allocations(november) == 4500 and status(november) == "paid"
    assert customer_has_credit(customer_id=customer.pk)

    # The next invoice (29,90) takes the 10,20 of credit as soon as it is issued.
    with django_capture_on_commit_callbacks(execute=True):
        december = invoice(customer, D(2026, 12, 1), 2990)
    assert allocations(december) == 1020 and status(december) == "issued"
    assert not customer_has_credit(customer_id=customer.pk)
    assert Allocation.objects.count() == 6


def test_invoices_of_one_day_are_settled_in_number_order(customer):
    first = InvoiceFactory(customer=customer, period=D(2026, 10, 1), issue_date=D(2026, 11, 25))
    second = InvoiceFactory(customer=customer, period=D(2026, 11, 1), issue_date=D(2026, 11, 25))
    assert first.number < second.number
    payment_record(customer=customer, amount_cents=2990, method=Payment.Method.OTHER)
    assert (status(first), status(second)) == ("paid", "issued")


def test_an_exact_payment_marks_the_invoice_paid_at_the_confirmation_time(customer):
    november = invoice(customer, D(2026, 11, 1), 6290)
    payment = pending(customer, 6290)
    at = timezone.make_aware(datetime.datetime(2026, 12, 3, 10, 30))

    assert payment_confirm(payment_id=payment.pk, confirmed_at=at) is True

    november.refresh_from_db()
    assert november.status == "paid" and november.paid_at == at
    payment.refresh_from_db()
    assert payment.status == "confirmed" and payment.confirmed_at == at


def test_confirming_twice_confirms_once(customer):
    november = invoice(customer, D(2026, 11, 1), 6290)
    payment = pending(customer, 3000)

    assert payment_confirm(payment_id=payment.pk) is True
    assert payment_confirm(payment_id=payment.pk) is False
    assert ledger_settle(customer_id=customer.pk).allocated_cents == 0

    assert allocations(november) == 3000
    assert Allocation.objects.count() == 1


def test_a_payment_that_is_not_pending_is_never_confirmed(customer):
    november = invoice(customer, D(2026, 11, 1), 6290)
    refused, cancelled = pending(customer, 6290), pending(customer, 6290)
    assert payment_refuse(payment_id=refused.pk) is True
    assert payment_cancel(payment_id=cancelled.pk) is True
    assert payment_refuse(payment_id=refused.pk) is False  # already closed

    assert payment_confirm(payment_id=refused.pk) is False
    assert payment_confirm(payment_id=cancelled.pk) is False
    assert payment_confirm(payment_id=987654) is False
    assert status(november) == "issued" and not Allocation.objects.exists()


def test_a_confirmed_payment_is_neither_refused_nor_cancelled(customer):
    payment = payment_record(customer=customer, amount_cents=100, method=Payment.Method.OTHER)
    assert payment_refuse(payment_id=payment.pk) is False
    assert payment_cancel(payment_id=payment.pk) is False
    payment.refresh_from_db()
    assert payment.status == "confirmed"


def test_a_pending_payment_counts_for_nothing(customer):
    november = invoice(customer, D(2026, 11, 1), 6290)
    pending(customer, 6290)
    ledger_settle(customer_id=customer.pk)
    assert status(november) == "issued" and not customer_has_credit(customer_id=customer.pk)


def test_another_customers_money_never_settles_my_invoices(customer, other_customer):
    mine = invoice(customer, D(2026, 11, 1), 6290)
    theirs = invoice(other_customer, D(2026, 11, 1), 1000)
    payment_record(customer=other_customer, amount_cents=10000, method=Payment.Method.CARD)
    assert status(mine) == "issued" and allocations(mine) == 0
    assert status(theirs) == "paid"
    assert customer_has_credit(customer_id=other_customer.pk)
    assert not customer_has_credit(customer_id=customer.pk)


@pytest.mark.parametrize("amount", [0, -100, 12.5, "1000", True, None])
def test_payment_record_refuses_a_bad_amount(customer, amount):
    with pytest.raises(ValidationError) as error:
        payment_record(customer=customer, amount_cents=amount, method=Payment.Method.OTHER)
    assert "Le montant doit être un nombre de centimes positif." in str(error.value)
    assert not Payment.objects.exists()


def test_payment_record_refuses_an_unknown_method_and_a_used_reference(customer):
    with pytest.raises(ValidationError, match="Ce moyen de paiement n'existe pas."):
        payment_record(customer=customer, amount_cents=100, method="cheque")
    payment_record(customer=customer, amount_cents=100, method="other", reference="VIR-1")
    with pytest.raises(ValidationError, match="Un paiement porte déjà cette référence."):
        payment_record(customer=customer, amount_cents=100, method="other", reference="VIR-1")
    assert Payment.objects.count() == 1


def test_references_are_readable_and_unique(db):
    references = {payment_reference_new() for _ in range(200)}
    assert len(references) == 200
    year = timezone.localdate().year
    assert all(re.fullmatch(rf"P-{year}-[A-Z2-9]{{8}}", ref) for ref in references)
    assert not any(set(ref[7:]) & set("01OILSB58") for ref in references)


def _in_threads(count: int, work) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_confirmations_at_once_never_allocate_an_invoice_twice():
    customer = CustomerFactory()
    invoices = [invoice(customer, D(2026, month, 1), 2990) for month in (8, 9, 10, 11)]
    # Eight payments of 20,00 € (160,00 €) for four invoices of 29,90 € (119,60 €).
    payments = [pending(customer, 2000) for _ in range(8)]
    # The same payment confirmed by several threads too: once only.
    work = [payment.pk for payment in payments] + [payments[0].pk, payments[1].pk]

    errors = _in_threads(len(work), lambda index: payment_confirm(payment_id=work[index]))

    assert errors == []
    assert [allocations(inv) for inv in invoices] == [2990, 2990, 2990, 2990]
    assert all(status(inv) == "paid" for inv in invoices)
    assert sum(Allocation.objects.values_list("amount_cents", flat=True)) == 11960
    for payment in payments:
        assert (
            sum(Allocation.objects.filter(payment=payment).values_list("amount_cents", flat=True))
            <= 2000
        )
    assert Payment.objects.confirmed().count() == 8
    assert customer_has_credit(customer_id=customer.pk)
