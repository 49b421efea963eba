"""Provider notifications: stored first, applied once, in any order; untrusted ones refused."""

import json
import threading
import time
from datetime import date as D

import pytest
import time_machine
from django.core import mail
from django.db import connection

from guichet.billing.models import Invoice
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.customers.tests.factories import CustomerFactory
from guichet.payments.models import Payment, PaymentEvent
from guichet.payments.providers.sandbox import SIGNATURE_HEADER, SandboxProvider
from guichet.payments.services.ledger import payment_reference_new
from guichet.payments.tasks import poll_pending_payments

URL = "/paiement/notification/sandbox/"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)


def owe(customer, cents: int, period=D(2026, 11, 1)) -> Invoice:
    return InvoiceFactory(
        customer=customer,
        period=period,
        lines=[line_draft(period=period, price_incl_vat_cents=cents)],
    )


def pending(customer, cents: int = 6290) -> Payment:
    reference = payment_reference_new()
    return Payment.objects.create(
        customer=customer,
        reference=reference,
        method=Payment.Method.CARD,
        amount_cents=cents,
        provider="sandbox",
        provider_reference=SandboxProvider.provider_reference(reference),
    )


def notification(payment: Payment, *, outcome="succeeded", event_id=None, timestamp=None, **over):
    event = {
        "id": event_id or f"evt_{outcome}_{payment.reference}",
        "type": f"payment.{outcome}",
        "created": int(time.time()),
        "payment_reference": payment.reference,
        "provider_reference": payment.provider_reference,
        "amount_cents": payment.amount_cents,
        "currency": "EUR",
        **over,
    }
    return SandboxProvider.notification_build(event, timestamp=timestamp)


def post(client, body: bytes, headers: dict):
    return client.post(
        URL,
        data=body,
        content_type="application/json",
        headers=headers,
    )


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST a notification as the provider would, running what its commit queues (the task)."""

    def send(body, headers):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, body, headers)

    return send


def test_a_success_confirms_the_payment_settles_the_invoice_and_mails_the_customer(
    customer, deliver
):
    invoice = owe(customer, 6290)
    payment = pending(customer)
    response = deliver(*notification(payment))
    assert response.status_code == 200
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "confirmed" and payment.confirmed_at
    assert invoice.status == "paid"
    event = PaymentEvent.objects.get()
    assert (event.status, event.signature_valid, event.payment) == ("applied", True, payment)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer.contact_email]
    assert payment.reference in message.subject
    assert "62,90\u00a0€" in message.body and payment.reference in message.body
    assert payment.confirmed_at.astimezone().strftime("%d/%m/%Y") in message.body


def test_the_confirmation_email_is_in_the_customers_language(customer, deliver):
    customer.language = "en"
    customer.save(update_fields=["language"])
    payment = pending(customer)
    deliver(*notification(payment))
    # English amounts and dates, whatever the translation catalogue holds yet.
    assert "€62.90" in mail.outbox[0].body


def test_the_same_notification_sent_100_times_gives_one_payment(customer, deliver):
    owe(customer, 6290)
    payment = pending(customer)
    body, headers = notification(payment)
    for _ in range(100):
        assert deliver(body, headers).status_code == 200
    assert PaymentEvent.objects.count() == 1
    assert Payment.objects.confirmed().count() == 1
    assert payment.allocations.count() == 1
    assert len(mail.outbox) == 1


def test_a_refusal_after_a_success_changes_nothing(customer, deliver):
    payment = pending(customer)
    deliver(*notification(payment, outcome="succeeded"))
    deliver(*notification(payment, outcome="refused"))
    payment.refresh_from_db()
    assert payment.status == "confirmed"
    refusal = PaymentEvent.objects.get(event_type="payment.refused")
    assert refusal.status == "ignored"


def test_a_success_after_a_cancel_confirms(customer, deliver):
    invoice = owe(customer, 6290)
    payment = pending(customer)
    deliver(*notification(payment, outcome="cancelled"))
    payment.refresh_from_db()
    assert payment.status == "cancelled"
    deliver(*notification(payment, outcome="succeeded"))
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "confirmed" and invoice.status == "paid"


def test_a_refusal_closes_a_pending_payment(customer, deliver):
    payment = pending(customer)
    deliver(*notification(payment, outcome="refused"))
    payment.refresh_from_db()
    assert payment.status == "refused"
    assert mail.outbox == []


def test_a_bad_signature_is_refused_and_stored_as_failed(customer, deliver):
    payment = pending(customer)
    body, headers = notification(payment)
    headers = {SIGNATURE_HEADER: headers[SIGNATURE_HEADER][:-4] + "0000"}
    assert deliver(body, headers).status_code == 400
    assert deliver(body, {}).status_code == 400
    assert deliver(body, {SIGNATURE_HEADER: "v1=abc"}).status_code == 400
    # Signed with another key.
    tampered = body.replace(b'"amount_cents":6290', b'"amount_cents":1')
    assert deliver(tampered, notification(payment)[1]).status_code == 400
    events = PaymentEvent.objects.all()
    assert events.count() == 4
    assert all(e.status == "failed" and not e.signature_valid and e.error for e in events)
    assert all(e.payment is None for e in events)
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_stale_timestamp_is_refused_and_stored_as_failed(customer, deliver):
    payment = pending(customer)
    with time_machine.travel("2026-11-27 10:00:00 +0000", tick=False):
        body, headers = notification(payment)
    with time_machine.travel("2026-11-27 10:05:01 +0000", tick=False):
        assert deliver(body, headers).status_code == 400
    with time_machine.travel("2026-11-27 10:05:00 +0000", tick=False):
        body, headers = notification(payment, event_id="evt_fresh")
    with time_machine.travel("2026-11-27 10:10:00 +0000", tick=False):
        assert deliver(body, headers).status_code == 200
    stale = PaymentEvent.objects.get(signature_valid=False)
    assert stale.status == "failed" and "stale" in stale.error
    assert PaymentEvent.objects.get(event_id="evt_fresh").status == "applied"


@pytest.mark.parametrize(
    "change, reason",
    [({"amount_cents": 100}, "amount"), ({"currency": "USD"}, "currency")],
)
def test_a_wrong_amount_or_currency_fails_the_event_and_leaves_the_payment(
    customer, deliver, change, reason
):
    invoice = owe(customer, 6290)
    payment = pending(customer)
    assert deliver(*notification(payment, **change)).status_code == 200
    event = PaymentEvent.objects.get()
    assert event.status == "failed" and reason in event.error
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == "pending" and invoice.status == "issued"
    assert mail.outbox == []


def test_an_event_for_a_payment_we_do_not_know_is_stored_as_failed(customer, deliver):
    payment = pending(customer)
    assert deliver(*notification(payment, payment_reference="P-2026-UNKNOWN")).status_code == 200
    event = PaymentEvent.objects.get()
    assert event.status == "failed" and event.payment is None


def test_a_malformed_body_is_refused(db, deliver):
    body = b"not json"
    headers = SandboxProvider.notification_build({})[1]
    from guichet.payments.providers.sandbox import notification_sign

    assert deliver(body, {SIGNATURE_HEADER: notification_sign(body)}).status_code == 400
    assert deliver(b"x" * (65 * 1024), headers).status_code == 400
    assert PaymentEvent.objects.get().status == "failed"


def test_the_endpoint_takes_posts_only_and_known_providers(db, client, settings):
    assert client.get(URL).status_code == 405
    assert (
        client.post(
            "/paiement/notification/paypal/", data=b"{}", content_type="application/json"
        ).status_code
        == 404
    )
    settings.PAYMENTS_SANDBOX_ENABLED = False
    assert client.post(URL, data=b"{}", content_type="application/json").status_code == 404
    assert not PaymentEvent.objects.exists()


def test_the_endpoint_needs_no_csrf_token(customer, django_capture_on_commit_callbacks):
    from django.test import Client

    payment = pending(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(Client(enforce_csrf_checks=True), *notification(payment))
    assert response.status_code == 200


def test_the_endpoint_answers_before_applying(customer, client, django_capture_on_commit_callbacks):
    payment = pending(customer)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert post(client, *notification(payment)).status_code == 200
    # Stored, not applied yet: the task does it once the row is committed.
    assert PaymentEvent.objects.get().status == "received"
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert len(queued) == 1


def test_a_lost_task_is_picked_up_by_the_periodic_sweep(
    customer, client, django_capture_on_commit_callbacks
):
    payment = pending(customer)
    with django_capture_on_commit_callbacks(execute=False):
        post(client, *notification(payment))
    with (
        time_machine.travel(time.time() + 120, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        poll_pending_payments()
    payment.refresh_from_db()
    assert payment.status == "confirmed"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_ten_notifications_at_once_give_one_payment():
    from django.test import Client

    customer = CustomerFactory()
    owe(customer, 6290)
    payment = pending(customer)
    body, headers = notification(payment)
    # Two different events (the same outcome by two paths) among them too.
    other_body, other_headers = notification(payment, event_id="evt_other_path")
    barrier = threading.Barrier(10)
    answers, errors = [], []

    def send(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            data, extra = (other_body, other_headers) if index == 9 else (body, headers)
            answers.append(post(Client(), data, extra).status_code)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and answers == [200] * 10
    assert PaymentEvent.objects.count() == 2
    assert Payment.objects.confirmed().count() == 1
    assert payment.allocations.count() == 1
    statuses = sorted(PaymentEvent.objects.values_list("status", flat=True))
    assert statuses == ["applied", "ignored"]
    assert json.loads(PaymentEvent.objects.first().raw_body)["payment_reference"] == (
        payment.reference
    )
