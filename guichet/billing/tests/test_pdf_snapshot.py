"""The PDF comes from a snapshot taken at issue (issue 12): seller, brand, logo, customer name
and address changed later leave an invoice's PDF byte for byte the one issued."""

import datetime
import hashlib

import pytest
import time_machine
from django.core.files.storage import default_storage

from guichet.billing.models import Invoice
from guichet.billing.services import invoice_pdf_bytes, invoice_pdf_content, invoice_render_pdf
from guichet.billing.tests.factories import InvoiceFactory
from guichet.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ISSUED = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
A_MONTH_LATER = datetime.datetime(2026, 12, 28, 15, 30, tzinfo=datetime.UTC)
OTHER_LOGO = "guichet/other-logo-for-tests.svg"


@pytest.fixture
def other_logo(settings, tmp_path):
    folder = tmp_path / "static"
    (folder / "guichet").mkdir(parents=True)
    (folder / OTHER_LOGO).write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10">'
        '<rect width="40" height="10" fill="#ff0000"/></svg>'
    )
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(folder)]
    return OTHER_LOGO


def test_the_invoice_keeps_the_brand_and_logo_it_was_issued_with(settings):
    invoice = InvoiceFactory()

    assert invoice.snapshot["brand"] == {
        "name": settings.GUICHET_BRAND["name"],
        "portal_name": settings.GUICHET_BRAND["portal_name"],
        "primary": settings.GUICHET_BRAND["primary"],
        "accent": settings.GUICHET_BRAND["accent"],
    }
    assert invoice.snapshot["logo"].startswith("data:image/svg+xml;base64,")
    assert invoice.seller["name"] == settings.BILLING_OPERATOR["name"]


def test_a_pdf_rendered_a_month_later_after_every_change_is_identical(settings, other_logo):
    customer = CustomerFactory(
        billing_street="12 rue des Clefs", billing_postal_code="68000", billing_city="Colmar"
    )
    with time_machine.travel(ISSUED, tick=False):
        invoice = InvoiceFactory(customer=customer, period=datetime.date(2026, 11, 1))
        rendered = invoice_render_pdf(invoice_id=invoice.pk)
        with default_storage.open(rendered.pdf.name, "rb") as stored:
            issued = stored.read()

    settings.BILLING_OPERATOR = {
        **settings.BILLING_OPERATOR,
        "name": "Nouvel Opérateur",
        "address_lines": ["2 avenue Neuve", "67000 STRASBOURG"],
        "siren": "987654321",
        "vat_number": "FR00987654321",
        "legal": "SAS au capital de 2 €",
        "payment_terms": "Autres conditions",
        "logo": other_logo,
    }
    settings.GUICHET_BRAND = {
        **settings.GUICHET_BRAND,
        "name": "Nouvelle Marque",
        "portal_name": "Portail",
        "primary": "#123456",
        "accent": "#654321",
    }
    customer.billing_street = "1 place du Marché"
    customer.billing_city = "Mulhouse"
    customer.billing_postal_code = "68100"
    customer.save()
    default_storage.delete(rendered.pdf.name)

    with time_machine.travel(A_MONTH_LATER, tick=False):
        again = Invoice.objects.get(pk=invoice.pk)
        content = invoice_pdf_content(invoice=again)  # the lost file, rendered again
        fresh = invoice_pdf_bytes(again)

    assert hashlib.sha256(content).hexdigest() == rendered.pdf_sha256
    assert content == issued == fresh


def test_an_invoice_issued_before_snapshots_reads_todays_brand(settings):
    invoice = InvoiceFactory()
    invoice.snapshot = {}  # as on invoices issued before migration 0006
    before = invoice_pdf_bytes(invoice)

    settings.GUICHET_BRAND = {**settings.GUICHET_BRAND, "primary": "#123456"}

    assert invoice_pdf_bytes(invoice) != before
