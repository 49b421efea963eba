"""An issued invoice never changes: the model refuses, the admin shows it read only (J1)."""

import datetime

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from guichet.billing.models import Invoice, InvoiceImmutableError, InvoiceLine
from guichet.billing.services import invoice_mark_paid
from guichet.billing.tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def test_an_issued_invoice_refuses_changes():
    invoice = InvoiceFactory()
    number, total = invoice.number, invoice.total_incl_vat_cents

    invoice.total_incl_vat_cents = 1
    with pytest.raises(InvoiceImmutableError):
        invoice.save()
    with pytest.raises(InvoiceImmutableError):
        invoice.save(update_fields=["total_incl_vat_cents"])
    with pytest.raises(InvoiceImmutableError):
        Invoice.objects.filter(pk=invoice.pk).update(number="T9999999")
    with pytest.raises(InvoiceImmutableError):
        Invoice.objects.filter(pk=invoice.pk).update(issue_date=datetime.date(2020, 1, 1))
    with pytest.raises(InvoiceImmutableError):
        invoice.delete()
    with pytest.raises(InvoiceImmutableError):
        Invoice.objects.all().delete()

    stored = Invoice.objects.get()
    assert (stored.number, stored.total_incl_vat_cents) == (number, total)


def test_its_lines_refuse_changes_too():
    invoice = InvoiceFactory()
    line = invoice.lines.get()

    line.amount_incl_vat_cents = 0
    with pytest.raises(InvoiceImmutableError):
        line.save()
    with pytest.raises(InvoiceImmutableError):
        InvoiceLine.objects.filter(pk=line.pk).update(label="Autre chose")
    with pytest.raises(InvoiceImmutableError):
        line.delete()
    with pytest.raises(InvoiceImmutableError):
        InvoiceLine.objects.all().delete()
    with pytest.raises(InvoiceImmutableError):
        InvoiceLine(invoice=invoice, position=2, label="Ajout").save()
    assert invoice.lines.count() == 1


def test_the_customer_and_its_invoiced_services_cannot_be_deleted():
    invoice = InvoiceFactory()
    with pytest.raises(ProtectedError):
        invoice.customer.delete()
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_only_the_settlement_is_recorded_later():
    invoice = InvoiceFactory()
    paid_at = datetime.datetime(2026, 12, 5, 10, tzinfo=datetime.UTC)

    assert invoice_mark_paid(invoice_id=invoice.pk, paid_at=paid_at) is True
    assert invoice_mark_paid(invoice_id=invoice.pk) is False  # settled once

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_at == paid_at
    assert invoice.status_label == "Payée"


def test_the_admin_shows_an_invoice_read_only(admin_client):
    client = admin_client
    invoice = InvoiceFactory()
    change_url = reverse("admin:billing_invoice_change", args=[invoice.pk])

    page = client.get(change_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert invoice.number in html
    assert 'name="total_incl_vat_cents"' not in html  # no input: read only
    assert "Enregistrer" not in html
    assert client.get(reverse("admin:billing_invoice_add")).status_code == 403
    assert client.get(reverse("admin:billing_invoice_delete", args=[invoice.pk])).status_code == 403
    client.post(change_url, {"number": "T9999999", "total_incl_vat_cents": 1})
    assert Invoice.objects.get().number == invoice.number
    listing = client.get(reverse("admin:billing_invoice_changelist"), {"q": invoice.number})
    assert listing.status_code == 200
    pdf = client.get(reverse("admin:billing_invoice_pdf", args=[invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf"


def test_staff_without_the_view_permission_get_no_pdf(client, staff, staff_login):
    staff_login(client, staff)
    invoice = InvoiceFactory()
    response = client.get(reverse("admin:billing_invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 404


def test_the_pdf_checksum_is_set_once():
    invoice = InvoiceFactory()
    with pytest.raises(InvoiceImmutableError):
        Invoice.objects.filter(pk=invoice.pk).update(pdf_sha256="0" * 64)
    assert Invoice.objects.pdf_claim(invoice_id=invoice.pk, name="a.pdf", sha256="a" * 64)
    assert not Invoice.objects.pdf_claim(invoice_id=invoice.pk, name="b.pdf", sha256="b" * 64)
    invoice.refresh_from_db()
    assert invoice.pdf_sha256 == "a" * 64
    invoice.pdf_sha256 = "c" * 64
    with pytest.raises(InvoiceImmutableError):
        invoice.save(update_fields=["pdf_sha256"])


def test_no_line_is_added_to_an_issued_invoice():
    invoice = InvoiceFactory()
    extra = InvoiceLine(
        invoice=invoice,
        position=99,
        group="subscriptions",
        label="Ajout",
        vat_rate_bp=2000,
        period_start=invoice.period,
        period_end=invoice.period,
        unit_price_excl_vat_cents=1000,
        amount_excl_vat_cents=1000,
        vat_cents=200,
        amount_incl_vat_cents=1200,
    )
    with pytest.raises(InvoiceImmutableError):
        InvoiceLine.objects.bulk_create([extra])
    assert sum(invoice.lines.values_list("amount_incl_vat_cents", flat=True)) == (
        invoice.total_incl_vat_cents
    )
