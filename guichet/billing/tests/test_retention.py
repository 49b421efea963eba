"""Invoices past their legal retention: the one delete the guards let through (issue 10)."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction

from guichet.billing.guard import billing_retention_purge_allowed
from guichet.billing.models import Invoice, InvoiceImmutableError, InvoiceLine
from guichet.billing.services import invoices_purge
from guichet.billing.tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

LIMIT = datetime.date(2016, 6, 15)
INVOICE_KEPT = "Facture émise : elle est conservée"
LINE_FROZEN = "Ligne de facture émise"


def _issued(day: datetime.date) -> Invoice:
    return InvoiceFactory(period=day.replace(day=1), issue_date=day)


def _with_pdf(invoice: Invoice) -> str:
    name = default_storage.save(f"invoices/test-{invoice.number}.pdf", ContentFile(b"%PDF-1.4"))
    assert Invoice.objects.pdf_claim(invoice_id=invoice.pk, name=name, sha256="0" * 64)
    return name


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_only_invoices_issued_before_the_date_go_with_their_lines_and_pdf(
    django_capture_on_commit_callbacks,
):
    old = _issued(LIMIT - datetime.timedelta(days=1))
    kept = _issued(LIMIT)
    old_pdf, kept_pdf = _with_pdf(old), _with_pdf(kept)

    assert invoices_purge(issued_before=LIMIT, dry_run=True) == 1
    assert Invoice.objects.filter(pk=old.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert invoices_purge(issued_before=LIMIT) == 1

    assert not Invoice.objects.filter(pk=old.pk).exists()
    assert not InvoiceLine.objects.filter(invoice_id=old.pk).exists()
    assert not default_storage.exists(old_pdf)
    assert Invoice.objects.filter(pk=kept.pk).exists()
    assert InvoiceLine.objects.filter(invoice_id=kept.pk).exists()
    assert default_storage.exists(kept_pdf)
    default_storage.delete(kept_pdf)


def test_the_database_still_refuses_a_recent_invoice_while_the_purge_window_is_open():
    old = _issued(LIMIT - datetime.timedelta(days=1))
    recent = _issued(LIMIT)
    with transaction.atomic(), billing_retention_purge_allowed(connection, LIMIT):
        with pytest.raises(IntegrityError, match=LINE_FROZEN), transaction.atomic():
            _raw("DELETE FROM billing_invoiceline WHERE invoice_id = %s", [recent.pk])
        with pytest.raises(IntegrityError, match=INVOICE_KEPT), transaction.atomic():
            _raw("DELETE FROM billing_invoice WHERE id = %s", [recent.pk])
        # The Python guards keep refusing everything but the purge's own path.
        with pytest.raises(InvoiceImmutableError):
            Invoice.objects.filter(pk=old.pk).delete()
        # The old one may go, in this same transaction.
        _raw("DELETE FROM billing_invoiceline WHERE invoice_id = %s", [old.pk])
        _raw("DELETE FROM billing_invoice WHERE id = %s", [old.pk])
    assert not Invoice.objects.filter(pk=old.pk).exists()
    assert Invoice.objects.filter(pk=recent.pk).exists()
    # Window closed: the next delete is refused again, however old the invoice.
    older = _issued(LIMIT - datetime.timedelta(days=30))
    with pytest.raises(IntegrityError, match=INVOICE_KEPT), transaction.atomic():
        _raw("DELETE FROM billing_invoice WHERE id = %s", [older.pk])
    with pytest.raises(IntegrityError, match=LINE_FROZEN), transaction.atomic():
        _raw("DELETE FROM billing_invoiceline WHERE invoice_id = %s", [older.pk])
