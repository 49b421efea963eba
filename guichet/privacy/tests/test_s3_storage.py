"""Data archives on an S3-compatible bucket (several machines): built, downloaded, purged.

Runs against a local S3-compatible server (moto's, started by the root conftest.py's
`s3_server`), with the storage built from the same S3_* variables production reads.
"""

import datetime
import hashlib
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guichet.billing.tests.factories import InvoiceFactory
from guichet.privacy.models import DataExport
from guichet.privacy.services.purge import purge_run

pytestmark = pytest.mark.django_db


def _build(client, capture) -> DataExport:
    with capture(execute=True):
        assert client.post(reverse("privacy:export")).status_code == 302
    return DataExport.objects.get()


def test_the_archive_is_written_to_the_bucket_and_downloaded_from_it(
    s3_storage, s3_server, customer_client, customer, django_capture_on_commit_callbacks
):
    invoice = InvoiceFactory(customer=customer, render_pdf=True)
    export = _build(customer_client, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()

    keys = s3_server.keys(s3_storage)
    archive_key = f"guichet/{export.file.name}"
    assert archive_key in keys and f"guichet/{invoice.pdf.name}" in keys
    assert export.file.name.startswith(f"privacy/exports/{customer.reference}/")
    in_bucket = s3_server.client().get_object(Bucket=s3_storage, Key=archive_key)["Body"].read()
    assert hashlib.sha256(in_bucket).hexdigest() == export.sha256

    response = customer_client.get(reverse("privacy:export_download", args=[export.pk]))

    assert response.status_code == 200
    assert "Location" not in response
    assert response.content == in_bucket
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    # The invoice PDF inside was read back from the bucket, checked against its SHA-256.
    pdf = archive.read(f"factures/{invoice.number}.pdf")
    assert hashlib.sha256(pdf).hexdigest() == invoice.pdf_sha256


def test_an_archive_changed_in_the_bucket_is_not_served(
    s3_storage, s3_server, customer_client, customer, django_capture_on_commit_callbacks
):
    export = _build(customer_client, django_capture_on_commit_callbacks)
    s3_server.client().put_object(
        Bucket=s3_storage, Key=f"guichet/{export.file.name}", Body=b"not the archive"
    )
    url = reverse("privacy:export_download", args=[export.pk])
    assert customer_client.get(url).status_code == 404


def test_another_customers_archive_is_a_404_on_s3_too(
    s3_storage, customer_client, other_customer, django_capture_on_commit_callbacks
):
    other = Client()
    other.force_login(other_customer.user, backend="guichet.accounts.backends.CustomerBackend")
    export = _build(other, django_capture_on_commit_callbacks)
    assert other.get(reverse("privacy:export_download", args=[export.pk])).status_code == 200
    url = reverse("privacy:export_download", args=[export.pk])
    assert customer_client.get(url).status_code == 404


def test_the_purge_deletes_an_expired_archive_from_the_bucket(
    s3_storage, s3_server, customer_client, customer, django_capture_on_commit_callbacks
):
    export = _build(customer_client, django_capture_on_commit_callbacks)
    assert s3_server.keys(s3_storage) == [f"guichet/{export.file.name}"]
    DataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        report = purge_run(now=timezone.now())

    assert report.data_exports == 1
    assert not DataExport.objects.filter(pk=export.pk).exists()
    assert s3_server.keys(s3_storage) == []
