"""Invoice PDFs on an S3-compatible bucket (several machines): written, served, checked, purged.

Runs against a local S3-compatible server (moto's, started by the root conftest.py's
`s3_server`), with the storage built from the same S3_* variables production reads.
"""

import datetime
import hashlib
import logging

import pytest
import time_machine
from django.core.files.storage import default_storage

from guichet.billing.models import Invoice
from guichet.billing.services import invoice_render_pdf
from guichet.billing.services.retention import invoices_purge
from guichet.billing.tests.factories import InvoiceFactory, line_draft

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC), tick=False):
        yield


def issue(customer, issue_date):
    period = issue_date.replace(day=1)
    return InvoiceFactory(
        customer=customer,
        period=period,
        issue_date=issue_date,
        lines=[line_draft(period=period, price_incl_vat_cents=4290)],
    )


def stored_object(s3_server, bucket, key) -> bytes:
    return s3_server.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def test_the_pdf_is_written_to_the_bucket_and_served_from_it(
    s3_storage, s3_server, customer_client, customer
):
    assert type(default_storage._wrapped).__name__ != "FileSystemStorage"
    invoice = invoice_render_pdf(invoice_id=issue(customer, D(2026, 11, 25)).pk)

    key = f"guichet/factures/2026/11/{invoice.number}.pdf"
    assert s3_server.keys(s3_storage) == [key]
    in_bucket = stored_object(s3_server, s3_storage, key)
    assert hashlib.sha256(in_bucket).hexdigest() == invoice.pdf_sha256

    for url in (
        f"/mes-factures/{invoice.number}.pdf",
        f"/mes-factures/telecharger/{invoice.number}.pdf",
    ):
        response = customer_client.get(url)
        # Served by Guichet itself, never a redirect to the bucket.
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "Location" not in response
        assert response.content == in_bucket
        assert hashlib.sha256(response.content).hexdigest() == invoice.pdf_sha256


def test_a_pdf_rendered_at_first_download_goes_to_the_bucket(
    s3_storage, s3_server, customer_client, customer
):
    invoice = issue(customer, D(2026, 11, 25))
    assert not invoice.pdf_sha256

    response = customer_client.get(f"/mes-factures/{invoice.number}.pdf")

    invoice.refresh_from_db()
    assert response.status_code == 200
    assert s3_server.keys(s3_storage) == [f"guichet/{invoice.pdf.name}"]
    assert hashlib.sha256(response.content).hexdigest() == invoice.pdf_sha256


def test_an_object_changed_in_the_bucket_is_never_served(
    s3_storage, s3_server, customer_client, customer, caplog
):
    invoice = invoice_render_pdf(invoice_id=issue(customer, D(2026, 11, 25)).pk)
    s3_server.client().put_object(
        Bucket=s3_storage, Key=f"guichet/{invoice.pdf.name}", Body=b"%PDF-1.7 not the one"
    )

    with caplog.at_level(logging.ERROR):
        response = customer_client.get(f"/mes-factures/{invoice.number}.pdf")

    assert response.status_code == 503
    assert "temporairement indisponible" in response.content.decode()
    assert "does not match its SHA-256" in caplog.text


def test_another_customers_invoice_is_a_404_on_s3_too(s3_storage, customer_client, other_customer):
    invoice = invoice_render_pdf(invoice_id=issue(other_customer, D(2026, 11, 25)).pk)
    assert customer_client.get(f"/mes-factures/{invoice.number}.pdf").status_code == 404


def test_a_bucket_that_does_not_answer_shows_the_unavailable_page(
    customer_client, customer, settings, caplog
):
    invoice = invoice_render_pdf(invoice_id=issue(customer, D(2026, 11, 25)).pk)
    from config.storage import default_storage_from_env

    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": "guichet-test",
            "S3_ENDPOINT_URL": "http://127.0.0.1:1",
            "S3_ACCESS_KEY_ID": "k",
            "S3_SECRET_ACCESS_KEY": "s",
        }.items():
            env.setenv(name, value)
        settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env()}

    with caplog.at_level(logging.ERROR):
        response = customer_client.get(f"/mes-factures/{invoice.number}.pdf")

    assert response.status_code == 503
    assert "the storage failed" in caplog.text


def test_the_retention_purge_deletes_the_pdf_from_the_bucket(
    s3_storage, s3_server, customer, django_capture_on_commit_callbacks
):
    old = invoice_render_pdf(invoice_id=issue(customer, D(2015, 3, 25)).pk)
    kept = invoice_render_pdf(invoice_id=issue(customer, D(2016, 3, 25)).pk)
    assert len(s3_server.keys(s3_storage)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert invoices_purge(issued_before=D(2016, 1, 1)) == 1

    assert not Invoice.objects.filter(pk=old.pk).exists()
    assert s3_server.keys(s3_storage) == [f"guichet/{kept.pdf.name}"]
