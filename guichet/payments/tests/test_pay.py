"""« Payer en ligne » (G1, G2, G4): the amount as customers type it, the page, the start of a
card payment, and the return page."""

import html
from datetime import date as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.payments.forms import PaymentAmountForm, amount_input, amount_parse
from guichet.payments.models import Payment
from guichet.payments.services.card import card_payment_start
from guichet.payments.services.ledger import payment_reference_new

NBSP, NNBSP = "\u00a0", "\u202f"


def owe(customer, cents: int, period=D(2026, 11, 1)):
    return InvoiceFactory(
        customer=customer,
        period=period,
        lines=[line_draft(period=period, price_incl_vat_cents=cents)],
    )


@pytest.mark.parametrize(
    "typed, cents",
    [
        ("12,5", 1250),
        ("12.50", 1250),
        ("12,50 €", 1250),
        ("12,50€", 1250),
        ("€12.50", 1250),
        ("12,50 EUR", 1250),
        ("1 234,56", 123456),
        (f"1{NBSP}234,56", 123456),
        (f"1{NNBSP}234,56{NBSP}€", 123456),
        ("1234,56", 123456),
        ("62", 6200),
        ("62,", 6200),
        ("  62,90  ", 6290),
        ("0,01", 1),
        ("+5", 500),
    ],
)
def test_every_spelling_of_an_amount_is_read(typed, cents):
    assert amount_parse(typed) == cents


@pytest.mark.parametrize(
    "typed, message",
    [
        ("0", "supérieur à 0,00"),
        ("0,00", "supérieur à 0,00"),
        ("-12,50", "positif"),
        ("- 5", "positif"),
        ("12,505", "deux chiffres après la virgule"),
        ("12.5.0", "format 0,00"),
        ("douze", "format 0,00"),
        ("12a", "format 0,00"),
        ("1e3", "format 0,00"),
        ("12 34,56", "format 0,00"),
        ("1.234,56", "format 0,00"),
        ("", "Indiquez le montant"),
        ("9" * 40, "trop long"),
        ("٣", "format 0,00"),
    ],
)
def test_bad_amounts_get_a_french_message(typed, message):
    with pytest.raises(ValidationError) as error:
        amount_parse(typed)
    assert message in error.value.messages[0]


@given(st.integers(min_value=1, max_value=10**12))
def test_any_amount_written_the_french_way_reads_back(cents):
    euros, rest = divmod(cents, 100)
    grouped = f"{euros:,}".replace(",", NBSP)
    assert amount_parse(f"{grouped},{rest:02d} €") == cents
    assert amount_parse(f"{euros}.{rest:02d}") == cents


@given(st.text(max_size=30))
def test_no_text_makes_the_parser_fail_other_than_with_a_message(text):
    try:
        cents = amount_parse(text)
    except ValidationError as error:
        assert error.messages
    else:
        assert isinstance(cents, int) and cents > 0


def test_the_form_refuses_absurd_amounts_above_what_is_due_and_the_ceiling(settings):
    settings.PAYMENTS_MAX_AMOUNT_CENTS = 500000
    form = PaymentAmountForm({"amount": "5 000,01"}, due_cents=6290)
    assert not form.is_valid()
    assert "5 000,00" in form.errors["amount"][0].replace(NBSP, " ")
    assert PaymentAmountForm({"amount": "5 000,00"}, due_cents=6290).is_valid()
    # Owing more than the ceiling, the customer may pay all of it.
    assert PaymentAmountForm({"amount": "6 000"}, due_cents=600000).is_valid()


def test_the_field_shows_amounts_as_they_can_be_typed_back():
    assert amount_input(6290) == "62,90"
    assert amount_input(123456) == "1234,56"
    assert amount_parse(amount_input(123456)) == 123456


# The page.


def test_an_up_to_date_customer_reads_it(customer_client):
    html = customer_client.get("/payer-en-ligne/").content.decode()
    assert "Votre dossier est à jour" in html
    assert "Seul le paiement par carte bancaire est accepté" in html
    assert "format : 0,00" in html
    assert 'aria-current="page">Payer en ligne' in html


def test_the_page_says_what_is_due_and_by_when_and_prefills_it(customer_client, customer):
    invoice = owe(customer, 6290)
    html = customer_client.get("/payer-en-ligne/").content.decode()
    assert f"62,90{NBSP}€" in html
    assert f"avant le {invoice.due_date:%d/%m/%Y}" in html
    assert 'value="62,90"' in html
    assert customer.contact_email in html
    assert "Effectuer un paiement" in html


def test_modifier_is_shown_only_where_the_contact_page_exists(customer_client, customer):
    from django.urls import NoReverseMatch, reverse

    html = customer_client.get("/payer-en-ligne/").content.decode()
    try:
        url = reverse("customers:contact")
    except NoReverseMatch:
        assert "Modifier" not in html
    else:
        assert f'href="{url}"' in html


def test_paying_creates_a_pending_payment_of_our_amount_and_goes_to_the_provider(
    customer_client, customer
):
    owe(customer, 6290)
    response = customer_client.post("/payer-en-ligne/", {"amount": "12,5"})
    assert response.status_code == 302
    assert response.url.startswith("/bac-a-sable-paiement/")
    payment = Payment.objects.get(customer=customer)
    assert (payment.status, payment.method, payment.amount_cents, payment.currency) == (
        "pending",
        "card",
        1250,
        "EUR",
    )
    assert payment.provider == "sandbox" and payment.provider_reference.startswith("sbx_")


@pytest.mark.parametrize("typed", ["0", "-3", "12,345", "abc", "9999999"])
def test_a_refused_amount_keeps_what_was_typed_and_creates_nothing(customer_client, typed):
    response = customer_client.post("/payer-en-ligne/", {"amount": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{typed}"' in html
    assert 'class="field-error"' in html
    assert not Payment.objects.exists()


def test_the_service_checks_the_amount_whatever_the_form_said(customer, settings):
    settings.PAYMENTS_MAX_AMOUNT_CENTS = 10000
    for bad in (0, -100, 10001, "1000", 12.5, True):
        with pytest.raises(ValidationError):
            card_payment_start(customer=customer, amount_cents=bad)
    assert not Payment.objects.exists()


def test_starting_too_many_payments_in_an_hour_is_refused(customer_client, customer):
    for _ in range(10):
        assert customer_client.post("/payer-en-ligne/", {"amount": "1"}).status_code == 302
    response = customer_client.post("/payer-en-ligne/", {"amount": "1"})
    assert response.status_code == 200
    assert "réessayez dans une heure" in response.content.decode()
    assert Payment.objects.count() == 10


def test_card_payments_recorded_afterwards_do_not_count_as_starts(customer_client, customer):
    """Card payments staff (or the demo) recorded never went through « Payer en ligne »."""
    from guichet.payments.services.ledger import payment_record

    for _ in range(12):
        payment_record(customer=customer, amount_cents=100, method=Payment.Method.CARD)
    assert customer_client.post("/payer-en-ligne/", {"amount": "1"}).status_code == 302


def test_a_provider_failure_says_nothing_was_charged(customer_client, customer, monkeypatch):
    from guichet.payments.providers import ProviderError
    from guichet.payments.providers.sandbox import SandboxProvider

    def down(self, **kwargs):
        raise ProviderError("network down")

    # The provider's network call is the one thing faked.
    monkeypatch.setattr(SandboxProvider, "checkout_start", down)
    response = customer_client.post("/payer-en-ligne/", {"amount": "10"})
    assert response.status_code == 503
    assert "rien n'a été débité" in html.unescape(response.content.decode())
    assert Payment.objects.get().status == "cancelled"


def test_anonymous_visitors_go_to_login(client):
    response = client.get("/payer-en-ligne/")
    assert response.status_code == 302 and "/connexion/" in response.url


def test_the_form_is_csrf_protected(customer_user, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer_user, backend="guichet.accounts.backends.CustomerBackend")
    assert strict.post("/payer-en-ligne/", {"amount": "10"}).status_code == 403
    assert not Payment.objects.exists()


def test_query_budget_does_not_grow_with_invoices(customer_client, customer):
    owe(customer, 1000, D(2026, 1, 1))
    customer_client.get("/payer-en-ligne/")
    with CaptureQueriesContext(connection) as one:
        customer_client.get("/payer-en-ligne/")
    for month in range(2, 12):
        owe(customer, 1000, D(2026, month, 1))
    with CaptureQueriesContext(connection) as many:
        assert customer_client.get("/payer-en-ligne/").status_code == 200
    assert len(many) == len(one) <= 10


# The return page.


def payment(customer, status="pending", cents=1250):
    return Payment.objects.create(
        customer=customer,
        reference=payment_reference_new(),
        method=Payment.Method.CARD,
        amount_cents=cents,
        provider="sandbox",
        status=status,
    )


@pytest.mark.parametrize(
    "status, text",
    [
        ("pending", "Votre paiement est en cours de confirmation"),
        ("refused", "Votre paiement a été refusé"),
        ("cancelled", "Votre paiement a été abandonné"),
    ],
)
def test_the_return_page_tells_our_side_of_the_story(customer_client, customer, status, text):
    mine = payment(customer, status)
    response = customer_client.get(f"/payer-en-ligne/retour/{mine.reference}/")
    html = response.content.decode()
    assert text in html
    assert mine.reference in html and f"12,50{NBSP}€" in html
    # Only a pending payment reloads itself (no script: a Refresh header).
    assert ("Refresh" in response.headers) == (status == "pending")


def test_the_return_page_of_a_confirmed_payment(customer_client, customer):
    from guichet.payments.services.ledger import payment_confirm

    mine = payment(customer)
    payment_confirm(payment_id=mine.pk)
    html = customer_client.get(f"/payer-en-ligne/retour/{mine.reference}/").content.decode()
    assert "Votre paiement est confirmé" in html


def test_another_customers_return_page_is_a_404(customer_client, other_customer):
    theirs = payment(other_customer)
    assert customer_client.get(f"/payer-en-ligne/retour/{theirs.reference}/").status_code == 404
    assert customer_client.get("/payer-en-ligne/retour/P-2026-NOPE/").status_code == 404
