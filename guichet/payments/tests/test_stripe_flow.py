"""« Payer en ligne » with PAYMENTS_PROVIDER=stripe, end to end against the stand-in of
Stripe's API: the page sends the customer to Checkout, Stripe's signed webhook confirms."""

import datetime
import socket
from datetime import date as D

import pytest
from django.utils import timezone

from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.core.models import OutboxEmail
from guichet.payments.models import Payment, PaymentEvent
from guichet.payments.tasks import poll_pending_payments

from .stripe_standin import stripe_signature, stripe_standin_for

NOTIFY = "/paiement/notification/stripe/"


@pytest.fixture
def standin(settings):
    with stripe_standin_for(settings) as server:
        yield server


@pytest.fixture
def owing(customer):
    period = D(2026, 11, 1)
    customer.contact_email = "claire.muller@example.fr"
    customer.save(update_fields=["contact_email"])
    return InvoiceFactory(
        customer=customer,
        period=period,
        lines=[line_draft(period=period, price_incl_vat_cents=6290)],
    )


def _pay(customer_client, amount="62,90"):
    response = customer_client.post("/payer-en-ligne/", {"amount": amount})
    return response, Payment.objects.order_by("-pk").first()


def _deliver(client, body: bytes, headers: dict):
    return client.post(
        NOTIFY,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=headers["Stripe-Signature"],
    )


def test_paying_online_sends_the_customer_to_stripes_checkout_page(
    standin, owing, customer, customer_client, settings
):
    response, payment = _pay(customer_client)

    assert response.status_code == 302
    session = standin.sessions[payment.provider_reference]
    assert response["Location"] == session["url"]
    assert response["Location"].startswith(standin.url + "/c/pay/cs_test_")
    assert (payment.status, payment.provider, payment.amount_cents) == ("pending", "stripe", 6290)
    # The amount Stripe charges is our Payment's, in euros, for our reference.
    assert (session["amount_total"], session["currency"]) == (6290, "eur")
    assert session["client_reference_id"] == payment.reference
    assert session["customer_email"] == "claire.muller@example.fr"
    back = f"{settings.GUICHET_SITE_URL}/payer-en-ligne/retour/{payment.reference}/"
    assert (session["success_url"], session["cancel_url"]) == (back, back)
    [create] = [r for r in standin.requests if r["method"] == "POST"]
    assert create["headers"]["Idempotency-Key"] == f"guichet-checkout-{payment.reference}"


def test_stripes_signed_webhook_confirms_the_payment_once(
    standin, owing, customer_client, client, django_capture_on_commit_callbacks
):
    _, payment = _pay(customer_client)
    standin.complete(payment.provider_reference)
    body, headers = standin.event("checkout.session.completed", payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        answers = [_deliver(client, body, headers).status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED
    [event] = PaymentEvent.objects.filter(provider="stripe")
    assert (event.status, event.signature_valid, event.payment_id) == ("applied", True, payment.pk)
    owing.refresh_from_db()
    assert owing.status == "paid"
    assert OutboxEmail.objects.filter(template="payment_confirmed").count() == 1


def test_a_tampered_webhook_is_refused_and_stored_as_failed(
    standin, owing, customer_client, client, django_capture_on_commit_callbacks
):
    _, payment = _pay(customer_client)
    standin.complete(payment.provider_reference)
    body, headers = standin.event("checkout.session.completed", payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        response = _deliver(client, body.replace(b"6290", b"6291"), headers)

    assert response.status_code == 400
    [event] = PaymentEvent.objects.filter(provider="stripe")
    assert (event.status, event.signature_valid) == ("failed", False)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_webhook_signed_301_seconds_ago_is_refused(
    standin, owing, customer_client, client, django_capture_on_commit_callbacks
):
    _, payment = _pay(customer_client)
    standin.complete(payment.provider_reference)
    old = int(timezone.now().timestamp()) - 301
    body, headers = standin.event(
        "checkout.session.completed", payment.provider_reference, timestamp=old
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = _deliver(client, body, headers)

    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_an_abandoned_checkout_cancels_the_payment(
    standin, owing, customer_client, client, django_capture_on_commit_callbacks
):
    _, payment = _pay(customer_client)
    standin.expire(payment.provider_reference)
    body, headers = standin.event("checkout.session.expired", payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        assert _deliver(client, body, headers).status_code == 200

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    owing.refresh_from_db()
    assert owing.status != "paid"


def test_an_event_we_do_not_act_on_is_stored_and_changes_nothing(
    standin, owing, customer_client, client, django_capture_on_commit_callbacks
):
    _, payment = _pay(customer_client)
    body, headers = standin.event("checkout.session.created", payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        assert _deliver(client, body, headers).status_code == 200

    [event] = PaymentEvent.objects.filter(provider="stripe")
    assert event.status == "ignored"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_the_poll_confirms_a_payment_whose_webhook_never_came(
    standin, owing, customer_client, django_capture_on_commit_callbacks
):
    _, payment = _pay(customer_client)
    standin.complete(payment.provider_reference)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        poll_pending_payments()
    with django_capture_on_commit_callbacks(execute=True):
        poll_pending_payments()  # asked again: nothing more happens

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED
    assert PaymentEvent.objects.filter(provider="stripe", status="applied").count() == 1


def test_the_webhook_arriving_after_the_poll_changes_nothing_more(
    standin, owing, customer_client, client, django_capture_on_commit_callbacks
):
    _, payment = _pay(customer_client)
    standin.complete(payment.provider_reference)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        poll_pending_payments()
    body, headers = standin.event("checkout.session.completed", payment.provider_reference)

    with django_capture_on_commit_callbacks(execute=True):
        assert _deliver(client, body, headers).status_code == 200

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CONFIRMED
    assert payment.allocations.count() == 1
    assert OutboxEmail.objects.filter(template="payment_confirmed").count() == 1


def test_the_poll_leaves_an_open_checkout_pending(
    standin, owing, customer_client, django_capture_on_commit_callbacks
):
    _, payment = _pay(customer_client)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        poll_pending_payments()

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not PaymentEvent.objects.exists()


def test_stripe_unreachable_tells_the_customer_and_charges_nothing(
    owing, customer_client, settings
):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_unreachable"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_unreachable"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"

    response, payment = _pay(customer_client)

    assert response.status_code == 503
    assert "momentanément indisponible" in response.content.decode()
    assert 'value="62,90"' in response.content.decode()
    assert payment.status == Payment.Status.CANCELLED


def test_a_webhook_signed_with_the_sandbox_secret_is_not_stripes(
    standin, owing, customer_client, client, settings, django_capture_on_commit_callbacks
):
    _, payment = _pay(customer_client)
    standin.complete(payment.provider_reference)
    body, _ = standin.event("checkout.session.completed", payment.provider_reference)
    forged = stripe_signature(body.decode(), settings.PAYMENTS_SANDBOX_SECRET)

    with django_capture_on_commit_callbacks(execute=True):
        response = _deliver(client, body, {"Stripe-Signature": forged})

    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
