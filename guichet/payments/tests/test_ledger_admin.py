"""Back office of the ledger: staff record money through payment_record; nothing is edited."""

from datetime import date as D

import pytest

from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.payments.models import Allocation, Payment
from guichet.payments.services.ledger import payment_record

ADD = "/back-office/payments/payment/add/"


@pytest.fixture
def november(customer):
    period = D(2026, 11, 1)
    return InvoiceFactory(
        customer=customer,
        period=period,
        lines=[line_draft(period=period, price_incl_vat_cents=6290)],
    )


def test_staff_record_a_transfer_that_settles_the_invoice(admin_client, customer, november):
    response = admin_client.post(
        ADD,
        {"customer": customer.pk, "amount_cents": "6290", "method": "other", "reference": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    payment = Payment.objects.get()
    assert payment.status == "confirmed" and payment.reference.startswith("P-")
    november.refresh_from_db()
    assert november.is_paid
    assert Allocation.objects.get().amount_cents == 6290


@pytest.mark.parametrize(
    "amount, message",
    [
        ("0", "Le montant doit être un nombre de centimes positif."),
        ("-5", "Le montant doit être un nombre de centimes positif."),
        ("abc", "Saisissez un nombre entier."),
    ],
)
def test_a_bad_amount_is_refused_keeping_what_was_typed(admin_client, customer, amount, message):
    response = admin_client.post(
        ADD, {"customer": customer.pk, "amount_cents": amount, "method": "other"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html and f'value="{amount}"' in html
    assert not Payment.objects.exists()


def test_a_used_reference_or_a_card_method_is_refused(admin_client, customer):
    payment_record(customer=customer, amount_cents=100, method="other", reference="VIR-1")
    html = admin_client.post(
        ADD,
        {"customer": customer.pk, "amount_cents": "100", "method": "other", "reference": "VIR-1"},
    ).content.decode()
    assert "Un paiement porte déjà cette référence." in html
    html = admin_client.post(
        ADD, {"customer": customer.pk, "amount_cents": "100", "method": "card"}
    ).content.decode()
    assert "Sélectionnez un choix valide" in html
    assert Payment.objects.count() == 1


def test_payments_and_allocations_are_read_only(admin_client, customer, november):
    payment = payment_record(customer=customer, amount_cents=2000, method="other")
    assert admin_client.get("/back-office/payments/payment/").status_code == 200
    page = admin_client.get(f"/back-office/payments/payment/{payment.pk}/change/")
    assert page.status_code == 200 and november.number in page.content.decode()
    assert (
        admin_client.post(
            f"/back-office/payments/payment/{payment.pk}/change/", {"amount_cents": "1"}
        ).status_code
        == 403
    )
    assert admin_client.get("/back-office/payments/allocation/").status_code == 200
    assert admin_client.get("/back-office/payments/allocation/add/").status_code == 403
    payment.refresh_from_db()
    assert payment.amount_cents == 2000
