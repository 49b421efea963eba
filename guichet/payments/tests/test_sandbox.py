"""The sandbox provider end to end: « Payer en ligne », its test page, its signed notification,
our return page; and the periodic question about payments left pending."""

import logging
import time
from datetime import date as D

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.core.models import OutboxEmail
from guichet.core.tests.test_settings import PRODUCTION, _manage
from guichet.payments.balance import balance_for
from guichet.payments.models import Payment, PaymentEvent
from guichet.payments.providers.sandbox import SandboxProvider
from guichet.payments.tasks import poll_pending_payments

SUCCESS_CARD, REFUSED_CARD = "4242 4242 4242 4242", "4000 0000 0000 0002"


def owe(customer, cents: int, period=D(2026, 11, 1)):
    return InvoiceFactory(
        customer=customer,
        period=period,
        lines=[line_draft(period=period, price_incl_vat_cents=cents)],
    )


@pytest.fixture
def start(customer_client, django_capture_on_commit_callbacks):
    """Pay `amount` on « Payer en ligne »: the sandbox page's address."""

    def go(amount: str) -> str:
        response = customer_client.post("/payer-en-ligne/", {"amount": amount})
        assert response.status_code == 302, response.content.decode()
        return response.url

    return go


@pytest.fixture
def decide(customer_client, django_capture_on_commit_callbacks):
    def go(sandbox_url: str, data: dict):
        page = customer_client.get(sandbox_url)
        assert page.status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            return customer_client.post(sandbox_url, data)

    return go


def test_the_success_card_pays_settles_and_mails(customer, customer_client, start, decide):
    older, newer = owe(customer, 2990, D(2026, 10, 1)), owe(customer, 3300)
    assert balance_for(customer).due_cents == 6290
    sandbox_url = start("40,00")
    page = customer_client.get(sandbox_url).content.decode()
    assert "Environnement de test : aucun paiement réel" in page
    assert "4242 4242 4242 4242" in page and "4000 0000 0000 0002" in page
    assert "40,00\u00a0€" in page

    back = decide(sandbox_url, {"card_number": SUCCESS_CARD, "pay": "1"})
    payment = Payment.objects.get()
    assert back.status_code == 302 and back.url == f"/payer-en-ligne/retour/{payment.reference}/"
    html = customer_client.get(back.url).content.decode()
    assert "Votre paiement est confirmé" in html
    # The oldest invoice is settled, the rest of the money goes to the next one.
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.status == "paid" and newer.status == "issued"
    assert balance_for(customer).due_cents == 2290
    assert "22,90" in customer_client.get("/payer-en-ligne/").content.decode()
    assert [m.to for m in mail.outbox] == [[customer.contact_email]]
    assert payment.reference in mail.outbox[0].body
    assert PaymentEvent.objects.get().status == "applied"


def test_the_refused_card_leaves_everything_owed(customer, customer_client, start, decide):
    invoice = owe(customer, 6290)
    back = decide(start("62,90"), {"card_number": REFUSED_CARD, "pay": "1"})
    html = customer_client.get(back.url).content.decode()
    assert "Votre paiement a été refusé" in html
    assert Payment.objects.get().status == "refused"
    invoice.refresh_from_db()
    assert invoice.status == "issued" and balance_for(customer).due_cents == 6290
    assert mail.outbox == []


def test_abandoning_cancels(customer, customer_client, start, decide):
    owe(customer, 6290)
    back = decide(start("62,90"), {"card_number": "", "abandon": "1"})
    html = customer_client.get(back.url).content.decode()
    assert "Votre paiement a été abandonné" in html
    assert Payment.objects.get().status == "cancelled"


def test_an_unknown_card_is_explained_and_decides_nothing(customer, customer_client, start):
    sandbox_url = start("10")
    response = customer_client.post(sandbox_url, {"card_number": "1234 5678", "pay": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Carte de test inconnue" in html and 'value="1234 5678"' in html
    assert Payment.objects.get().status == "pending"
    assert not PaymentEvent.objects.exists()


def test_a_decided_payment_cannot_be_decided_again(customer, customer_client, start, decide):
    sandbox_url = start("10")
    decide(sandbox_url, {"card_number": REFUSED_CARD, "pay": "1"})
    again = decide(sandbox_url, {"card_number": SUCCESS_CARD, "pay": "1"})
    assert again.status_code == 200
    assert "Ce paiement a déjà été traité" in again.content.decode()
    assert Payment.objects.get().status == "refused"


def test_the_card_number_is_never_stored_or_logged(customer, start, decide, caplog):
    sandbox_url = start("10")
    with caplog.at_level(logging.DEBUG):
        decide(sandbox_url, {"card_number": SUCCESS_CARD, "pay": "1"})
    digits = SUCCESS_CARD.replace(" ", "")
    stored = [e.raw_body for e in PaymentEvent.objects.all()]
    stored += [e.body_text + e.body_html for e in OutboxEmail.objects.all()]
    stored.append(caplog.text)
    assert stored and not any(digits in text or SUCCESS_CARD in text for text in stored)


def test_the_sandbox_page_is_404_when_disabled_or_tampered(
    customer, customer_client, start, settings
):
    sandbox_url = start("10")
    assert customer_client.get(sandbox_url[:-3] + "xx/").status_code == 404
    settings.PAYMENTS_SANDBOX_ENABLED = False
    assert customer_client.get(sandbox_url).status_code == 404
    assert customer_client.post(sandbox_url, {"card_number": SUCCESS_CARD}).status_code == 404


def test_a_lost_notification_is_recovered_by_asking_the_provider(
    customer, start, django_capture_on_commit_callbacks
):
    invoice = owe(customer, 6290)
    start("62,90")
    payment = Payment.objects.get()
    # The customer paid on the sandbox page, but its notification never reached us.
    SandboxProvider().decision_record(payment=payment, outcome="succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_pending_payments() == 0  # too recent to ask about
    with (
        time_machine.travel(time.time() + 16 * 60, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert poll_pending_payments() == 1
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "confirmed" and invoice.status == "paid"
    assert len(mail.outbox) == 1


def test_the_late_notification_after_a_poll_is_not_applied_twice(
    customer, start, client, django_capture_on_commit_callbacks
):
    start("10")
    payment = Payment.objects.get()
    body, headers = SandboxProvider().decision_record(payment=payment, outcome="succeeded")
    with (
        time_machine.travel(time.time() + 16 * 60, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        poll_pending_payments()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/paiement/notification/sandbox/",
            body,
            content_type="application/json",
            headers=headers,
        )
    assert response.status_code == 200
    assert PaymentEvent.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_page_left_open_expires_as_abandoned(customer, start, django_capture_on_commit_callbacks):
    start("10")
    cache.clear()
    with (
        time_machine.travel(time.time() + 2 * 3600, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        poll_pending_payments()
    assert Payment.objects.get().status == "cancelled"


# Settings: the sandbox never runs in production.


def test_production_refuses_the_sandbox():
    result = _manage("check", **{**PRODUCTION, "PAYMENTS_PROVIDER": "sandbox"})
    assert result.returncode != 0 and "PAYMENTS_SANDBOX_ENABLED" in result.stderr
    result = _manage("check", **PRODUCTION, PAYMENTS_SANDBOX_ENABLED="1")
    assert result.returncode != 0 and "PAYMENTS_SANDBOX_ENABLED" in result.stderr


def test_production_needs_the_provider_named():
    env = {k: v for k, v in PRODUCTION.items() if k != "PAYMENTS_PROVIDER"}
    result = _manage("check", **env)
    assert result.returncode != 0 and "PAYMENTS_PROVIDER" in result.stderr
