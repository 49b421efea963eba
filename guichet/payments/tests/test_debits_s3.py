"""Debit files (F6) on an S3-compatible bucket: written there, checked against their SHA-256."""

import datetime
import hashlib

import pytest

from guichet.payments.models import DebitBatch
from guichet.payments.sepa import pain008_validate
from guichet.payments.services.debits import debit_file_content

from .test_debits import at, debit_customer, debit_invoice, run

pytestmark = pytest.mark.django_db


def test_the_debit_file_goes_to_the_bucket_and_is_handed_out_only_unchanged(s3_storage, s3_server):
    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        debit_invoice(customer)

    out, _ = run("--date", "2026-12-05")

    batch = DebitBatch.objects.get()
    key = f"guichet/{batch.file.name}"
    assert key in s3_server.keys(s3_storage)
    assert batch.file.name in out and batch.sha256 in out  # no local path to print
    in_bucket = s3_server.client().get_object(Bucket=s3_storage, Key=key)["Body"].read()
    assert hashlib.sha256(in_bucket).hexdigest() == batch.sha256
    content = debit_file_content(batch=batch)
    assert content == in_bucket
    pain008_validate(content)

    s3_server.client().put_object(Bucket=s3_storage, Key=key, Body=in_bucket + b"<!-- changed -->")
    assert debit_file_content(batch=batch) is None
