"""Back office of invoices: what staff open is logged."""

from guichet.billing.tests.factories import InvoiceFactory
from guichet.core.models import StaffAccess


def test_staff_opening_an_invoice_pdf_is_logged(admin_client, customer):
    invoice = InvoiceFactory(customer=customer)
    assert admin_client.get(f"/back-office/billing/invoice/{invoice.pk}/pdf/").status_code == 200
    assert StaffAccess.objects.get(detail="PDF").object_id == str(invoice.pk)
