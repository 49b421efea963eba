"""« Mes factures »'s rows: one prepared query, each row's texts and links made in Python.

The template used to reverse two URLs, run three {% blocktranslate %} and format a date and
an amount on every row: two thirds of the page's time for twelve invoices. Here the list is
one prepared query (guichet/core/prepared.py), the URLs are reversed once per page with a
stand-in number replaced row by row, and each text is what the template tags gave: the
translation as it is, the values in it escaped (docs/decisions/0017).
"""

import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from guichet.core.formatting import format_cents, format_date
from guichet.core.prepared import PreparedQuery
from guichet.core.stencil import Stencil

from .models import Invoice

_FIELDS = ("number", "issue_date", "total_incl_vat_cents", "status", "payment_method", "due_date")
# Stands for the invoice number in the URLs reversed once per page; _NUMBER is the URL
# converter's pattern (billing/urls.py), which reverse() leaves as it is (nothing to quote).
_STAND_IN = "Zq9Zq9Zq9"
_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,29}")


def _last_12_months(customer_id, today, settled_path):
    return (
        Invoice.objects.for_customer(customer_id)
        .last_12_months(today)
        .with_settled()
        .order_by("-issue_date", "-number")
        .values_list(*_FIELDS, "settled_cents")
    )


_INVOICES = PreparedQuery(_last_12_months)
_ROW_NAMES = (
    "date_label",
    "number",
    "total",
    "status",
    "status_label",
    "pdf_url",
    "open_label",
    "download_url",
    "pdf_filename",
    "download_label",
)
# billing/invoice_row.html, written once per language and filled row by row.
_ROW = Stencil("billing/invoice_row.html", _ROW_NAMES, variable="invoice")


def _blocktranslate(text: str, **values) -> str:
    """What {% blocktranslate trimmed with ... %} renders: the values escaped, not the text."""
    escaped = {name: conditional_escape(value) for name, value in values.items()}
    # The translation is trusted as the tag trusts it; every value in it is escaped.
    return mark_safe(text % escaped)  # noqa: S308


def _url_maker(name: str):
    """A function number -> {% url name number %}, reversing only once."""
    try:
        pattern = reverse(name, args=[_STAND_IN])
    except Exception:  # noqa: BLE001 (no fast path: reverse each time, as the tag did)
        pattern = None
    if pattern is None or pattern.count(_STAND_IN) != 1:
        return lambda number: reverse(name, args=[number])

    def url(number: str) -> str:
        if _NUMBER.fullmatch(number):
            return pattern.replace(_STAND_IN, number)
        return reverse(name, args=[number])

    return url


def invoice_rows(customer) -> list[dict]:
    """The last 12 months of invoices, newest first, as the rows of « Mes factures »."""
    today = timezone.localdate()
    rows = _INVOICES.rows(customer.pk, key=(today, settings.BILLING_SETTLED_CENTS))
    pdf_url = _url_maker("billing:invoice_pdf")
    download_url = _url_maker("billing:invoice_download")
    result = []
    for *values, settled_cents in rows:
        invoice = Invoice(**dict(zip(_FIELDS, values, strict=True)))
        invoice.settled_cents = settled_cents
        number = invoice.number
        result.append(
            {
                "number": number,
                "date_label": _blocktranslate(
                    gettext("Facture du %(date)s"), date=format_date(invoice.issue_date)
                ),
                "total": format_cents(invoice.total_incl_vat_cents),
                "status": invoice.status,
                "status_label": invoice.status_label,
                "pdf_url": pdf_url(number),
                "download_url": download_url(number),
                "pdf_filename": invoice.pdf_filename,
                "open_label": _blocktranslate(
                    gettext("Ouvrir la facture %(number)s au format"), number=number
                ),
                "download_label": _blocktranslate(gettext("la facture %(number)s"), number=number),
            }
        )
    return result


def invoice_rows_html(rows: list[dict]) -> str:
    """The table's rows: billing/invoice_row.html for each, indented as the page has them."""
    return _ROW.fill(rows, before="\n      ", after="      ")
