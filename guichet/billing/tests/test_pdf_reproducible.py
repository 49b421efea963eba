"""The invoice PDF comes out byte for byte the same whenever and wherever it is rendered."""

import datetime
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from pypdf import PdfReader

from guichet.billing.services import invoice_pdf_bytes
from guichet.billing.services.pdf import invoice_html
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.customers.tests.factories import CustomerFactory, HolderFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
RENDER = """
import sys
import django
django.setup()
from guichet.billing.services.pdf import invoice_pdf_from_html
sys.stdout.buffer.write(invoice_pdf_from_html(sys.stdin.read(), number=sys.argv[1]))
"""


@pytest.fixture
def invoice():
    customer = CustomerFactory(holder__first_name="Claire", holder__last_name="Muller")
    HolderFactory(customer=customer, first_name="Paul", last_name="Muller", position=2)
    return InvoiceFactory(
        customer=customer,
        period=datetime.date(2026, 11, 1),
        issue_date=datetime.date(2026, 11, 25),
        lines=[
            line_draft(label="Offre Confort", price_incl_vat_cents=5990),
            line_draft(label="TV EMOTION", price_incl_vat_cents=2490, vat_rate_bp=1000),
            line_draft(label="Mobile 10 Go", price_incl_vat_cents=990, prorata=(16, 30)),
        ],
    )


def test_the_same_invoice_a_month_later_gives_the_same_bytes(invoice):
    with time_machine.travel(datetime.datetime(2026, 11, 25, 23, 59, tzinfo=datetime.UTC)):
        issued = invoice_pdf_bytes(invoice)
    with time_machine.travel(datetime.datetime(2026, 12, 27, 8, 30, tzinfo=datetime.UTC)):
        again = invoice_pdf_bytes(invoice)

    assert again == issued
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(issued).hexdigest()


def test_the_dates_and_identifier_come_from_the_invoice_not_the_clock(invoice):
    with time_machine.travel(datetime.datetime(2027, 3, 1, 12, 0, tzinfo=datetime.UTC)):
        content = invoice_pdf_bytes(invoice)

    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata["/CreationDate"] == reader.metadata["/ModDate"] == "D:20261125"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "2026-11-25" in xmp
    assert "2027" not in xmp
    identifier = hashlib.sha256(f"guichet invoice {invoice.number}".encode()).hexdigest()[:32]
    assert reader.trailer["/ID"][0] == identifier


def test_a_fresh_process_renders_the_same_bytes(invoice):
    here = invoice_pdf_bytes(invoice)
    html = invoice_html(invoice, language="fr")

    # Another process, with its own fonts, caches and string hashing, at another time.
    env = {
        **os.environ,
        "PYTHONHASHSEED": "12345",
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
    }
    done = subprocess.run(
        [sys.executable, "-c", RENDER, invoice.number],
        input=html.encode(),
        capture_output=True,
        cwd=ROOT,
        env=env,
        check=True,
    )

    assert hashlib.sha256(done.stdout).hexdigest() == hashlib.sha256(here).hexdigest()
    assert done.stdout == here
