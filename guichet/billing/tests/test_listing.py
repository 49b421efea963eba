"""« Mes factures »'s rows made in Python read exactly as the template tags wrote them."""

import datetime

import pytest
import time_machine
from django.template import engines
from django.urls import reverse
from django.utils import translation

from guichet.billing import listing
from guichet.billing.models import Invoice
from guichet.billing.services import invoice_mark_paid
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.billing.urls import InvoiceNumberConverter

D = datetime.date

# The row as the template wrote it before billing/listing.py: tags and filters on each row.
TAGS = (
    "{% load i18n guichet %}{% for invoice in invoices %}\n<th>{% blocktranslate trimmed with "
    "date=invoice.issue_date|short_date %}Facture du {{ date }}{% endblocktranslate %}</th>\n"
    "<td>{{ invoice.number }}</td><td>{{ invoice.total_incl_vat_cents|euros }}</td>\n"
    '<td class="invoice-status-{{ invoice.status }}">{{ invoice.status_label }}</td>\n'
    "<a href=\"{% url 'billing:invoice_pdf' invoice.number %}\">{% blocktranslate trimmed with "
    "number=invoice.number %}Ouvrir la facture {{ number }} au format{% endblocktranslate %}</a>\n"
    "<a href=\"{% url 'billing:invoice_download' invoice.number %}\" "
    'download="{{ invoice.pdf_filename }}">{% blocktranslate trimmed with number=invoice.number %}'
    "la facture {{ number }}{% endblocktranslate %}</a>\n{% endfor %}"
)
# The same row from billing/listing.py's ready texts and links.
ROWS = (
    "{% for invoice in invoices %}\n<th>{{ invoice.date_label }}</th>\n"
    "<td>{{ invoice.number }}</td><td>{{ invoice.total }}</td>\n"
    '<td class="invoice-status-{{ invoice.status }}">{{ invoice.status_label }}</td>\n'
    '<a href="{{ invoice.pdf_url }}">{{ invoice.open_label }}</a>\n'
    '<a href="{{ invoice.download_url }}" download="{{ invoice.pdf_filename }}">'
    "{{ invoice.download_label }}</a>\n{% endfor %}"
)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC), tick=False):
        yield


def issue(customer, issue_date, **kwargs):
    period = issue_date.replace(day=1)
    return InvoiceFactory(
        customer=customer,
        period=period,
        issue_date=issue_date,
        lines=[line_draft(period=period, price_incl_vat_cents=123456)],
        **kwargs,
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_rows_read_as_the_tags_wrote_them(customer, language):
    paid = issue(customer, D(2026, 8, 25))
    invoice_mark_paid(invoice_id=paid.pk)
    issue(customer, D(2026, 9, 25))
    issue(
        customer,
        D(2026, 10, 27),
        payment_method=Invoice.PaymentMethod.DIRECT_DEBIT,
        due_date=D(2026, 11, 10),
    )
    invoices = list(
        Invoice.objects.for_customer(customer)
        .last_12_months()
        .with_settled()
        .order_by("-issue_date", "-number")
    )
    engine = engines["django"]

    with translation.override(language):
        rows = listing.invoice_rows(customer)
        expected = engine.from_string(TAGS).render({"invoices": invoices})
        written = engine.from_string(ROWS).render({"invoices": rows})

    assert len(rows) == 3
    assert written == expected


def test_the_links_are_what_reverse_gives(customer):
    invoice = issue(customer, D(2026, 11, 25))

    (row,) = listing.invoice_rows(customer)

    assert row["pdf_url"] == reverse("billing:invoice_pdf", args=[invoice.number])
    assert row["download_url"] == reverse("billing:invoice_download", args=[invoice.number])


def test_numbers_are_matched_as_the_url_converter_matches_them():
    assert listing._NUMBER.pattern == InvoiceNumberConverter.regex


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_filled_rows_are_the_row_template_rendered_for_each(customer, language):
    paid = issue(customer, D(2026, 8, 25))
    invoice_mark_paid(invoice_id=paid.pk)
    issue(customer, D(2026, 10, 27))
    loop = (
        '{% for invoice in invoices %}\n      {% include "billing/invoice_row.html" %}'
        "      {% endfor %}"
    )
    with translation.override(language):
        rows = listing.invoice_rows(customer)
        rows[0]["status_label"] = 'Payée <b>"vraiment"</b> & plus'  # escaped as {{ }} does
        expected = engines["django"].from_string(loop).render({"invoices": rows})
        filled = listing.invoice_rows_html(rows)

    assert filled == expected
    assert filled.count('<tr role="row"') == 2 and "&lt;b&gt;&quot;vraiment&quot;" in filled
