"""The balance (B4) on the home page and the invoice statuses in « Mes factures »."""

import datetime
from datetime import date as D
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.billing.models import Invoice
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.payments.balance import balance_for
from guichet.payments.models import Payment
from guichet.payments.services.ledger import payment_record

HOME = "/accueil/"
# The balance's own link (the menu has one too).
PAY_BUTTON = 'class="button" href="/payer-en-ligne/"'
INVOICES = "/mes-factures/"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC), tick=False):
        yield


def issue(customer, period: D, cents: int, **kwargs) -> Invoice:
    return InvoiceFactory(
        customer=customer,
        period=period,
        lines=[line_draft(period=period, price_incl_vat_cents=cents)],
        **kwargs,
    )


def debited(customer, period: D, cents: int, debit_date: D) -> Invoice:
    return issue(
        customer,
        period,
        cents,
        payment_method=Invoice.PaymentMethod.DIRECT_DEBIT,
        due_date=debit_date,
    )


def text(response) -> str:
    return " ".join(unescape(response.content.decode()).replace("\u00a0", " ").split())


def pay(customer, cents: int) -> Payment:
    return payment_record(customer=customer, amount_cents=cents, method=Payment.Method.CARD)


# The balance itself


def test_a_customer_without_invoices_is_up_to_date(customer):
    balance = balance_for(customer)
    assert (balance.owed_cents, balance.credit_cents, balance.next_due_date) == (0, 0, None)
    assert balance.is_up_to_date and not balance.all_debited


def test_the_balance_is_what_the_open_invoices_still_owe(customer, other_customer):
    # 29,90 € due 10/11/2026 and 42,90 € due 10/12/2026; 35,00 € paid: 29,90 + 5,10.
    issue(customer, D(2026, 10, 1), 2990)
    issue(customer, D(2026, 11, 1), 4290)
    issue(other_customer, D(2026, 11, 1), 99999)
    pay(customer, 3500)

    balance = balance_for(customer)

    assert balance.owed_cents == 4290 - 510  # 37,80 €
    assert balance.credit_cents == 0
    assert balance.due_cents == 3780
    assert balance.next_due_date == D(2026, 12, 10)
    assert not balance.all_debited


def test_a_payment_beyond_what_is_owed_is_credit(customer):
    issue(customer, D(2026, 11, 1), 2990)
    pay(customer, 5000)
    balance = balance_for(customer)
    assert (balance.owed_cents, balance.credit_cents, balance.due_cents) == (0, 2010, 0)
    assert balance.is_up_to_date


def test_only_confirmed_payments_count(customer):
    issue(customer, D(2026, 11, 1), 2990)
    Payment.objects.create(customer=customer, reference="P-X", method="card", amount_cents=2990)
    assert balance_for(customer).due_cents == 2990


def test_all_debited_only_when_every_open_invoice_is_debited(customer):
    debited(customer, D(2026, 11, 1), 6290, D(2026, 12, 5))
    assert balance_for(customer).all_debited
    issue(customer, D(2026, 10, 1), 1000)
    balance = balance_for(customer)
    assert not balance.all_debited and balance.next_due_date == D(2026, 11, 9)


def test_the_balance_takes_two_queries_whatever_the_invoices(customer, django_assert_num_queries):
    for month in range(1, 12):
        issue(customer, D(2026, month, 1), 1000 + month)
    pay(customer, 5000)
    with django_assert_num_queries(2):
        balance_for(customer)


# The home page


def test_home_says_up_to_date(customer_client, customer):
    invoice = issue(customer, D(2026, 11, 1), 6290)
    pay(customer, 6290)
    response = customer_client.get(HOME)
    page = text(response)
    assert "Votre dossier est à jour" in page
    assert "Montant dû" not in page
    assert PAY_BUTTON not in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.is_paid


def test_home_says_what_is_due_and_by_when_with_payer_en_ligne(customer_client, customer):
    issue(customer, D(2026, 11, 1), 6290)
    response = customer_client.get(HOME)
    page = text(response)
    assert "Montant dû : 62,90 € à régler avant le 10/12/2026" in page
    assert "Votre dossier est à jour" not in page
    assert PAY_BUTTON in response.content.decode()


def test_home_says_when_a_debit_will_take_it(customer_client, customer):
    debited(customer, D(2026, 11, 1), 6290, D(2026, 12, 5))
    response = customer_client.get(HOME)
    assert "Montant dû : 62,90 € sera prélevé le 05/12/2026" in text(response)
    assert PAY_BUTTON not in response.content.decode()


def test_home_shows_a_credit(customer_client, customer):
    pay(customer, 1500)
    page = text(customer_client.get(HOME))
    assert "Votre dossier est à jour" in page
    assert "Avoir disponible : 15,00 €" in page


def test_home_never_shows_another_customers_balance(customer_client, customer, other_customer):
    issue(other_customer, D(2026, 11, 1), 12345)
    pay(other_customer, 99900)
    page = text(customer_client.get(HOME))
    assert "Votre dossier est à jour" in page
    assert "123,45" not in page and "Avoir" not in page


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


def test_home_query_budget_does_not_grow_with_invoices_and_payments(customer_client, customer):
    issue(customer, D(2026, 11, 1), 6290)
    customer_client.get(HOME)  # warm the session
    one = _home_queries(customer_client)
    for month in range(1, 11):
        issue(customer, D(2026, month, 1), 2990)
        pay(customer, 1000)
    assert _home_queries(customer_client) == one


# « Mes factures »


def test_invoice_statuses_follow_the_ledger(customer_client, customer):
    paid = issue(customer, D(2026, 8, 1), 2990)
    partly = issue(customer, D(2026, 9, 1), 4230)
    to_pay = issue(customer, D(2026, 10, 1), 2990)
    debit = debited(customer, D(2026, 11, 1), 6290, D(2026, 12, 5))
    # 29,90 € for August, then 29,90 € of September's 42,30 €: 12,40 € left.
    pay(customer, 5980)

    page = text(customer_client.get(INVOICES))

    assert page.count("Payée") == 1
    assert f"{paid.number}" in page
    assert "À payer avant le 10/10/2026, reste 12,40 €" in page  # September, partly paid
    assert "À payer avant le 09/11/2026" in page  # October, untouched
    assert "Prélèvement prévu le 05/12/2026" in page
    assert "reste 12,40 €" in page and page.count("reste") == 1
    assert {partly.number, to_pay.number, debit.number} <= set(page.split())


def test_a_partly_settled_debit_says_what_remains(customer_client, customer):
    debited(customer, D(2026, 11, 1), 6290, D(2026, 12, 5))
    pay(customer, 2000)
    page = text(customer_client.get(INVOICES))
    assert "Prélèvement prévu le 05/12/2026, reste 42,90 €" in page


def test_invoices_page_never_counts_another_customers_payments(
    customer_client, customer, other_customer
):
    mine = issue(customer, D(2026, 11, 1), 6290)
    issue(other_customer, D(2026, 11, 1), 6290)
    pay(other_customer, 2000)
    page = text(customer_client.get(INVOICES))
    assert "reste" not in page and mine.number in page


def test_invoices_page_budget_stays_flat_with_partial_payments(
    customer_client, customer, django_assert_num_queries
):
    issue(customer, D(2026, 11, 1), 2990)
    customer_client.get(INVOICES)
    with CaptureQueriesContext(connection) as few:
        customer_client.get(INVOICES)
    for month in range(1, 11):
        issue(customer, D(2026, month, 1), 2990)
        pay(customer, 1000)
    with django_assert_num_queries(len(few.captured_queries)):
        assert text(customer_client.get(INVOICES)).count("reste") == 1
