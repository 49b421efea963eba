"""« Mes factures » (E1, E2, E4): the last 12 months of invoices and their PDFs."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from guichet.core.decorators import customer_required

from .listing import invoice_rows, invoice_rows_html
from .models import Invoice
from .services import DocumentUnavailable, invoice_pdf_content


@customer_required
@require_GET
def invoices(request):
    rows = invoice_rows(request.customer)
    return render(
        request,
        "billing/invoices.html",
        {
            "invoices": rows,
            "invoice_rows": invoice_rows_html(rows),
            "breadcrumbs": [(_("Mes factures"), None)],
            "nav": "invoices",
        },
    )


@customer_required
@require_GET
@never_cache
def invoice_pdf(request, number: str, download: bool = False):
    """The PDF inline (opens in the browser) or as a download named after its number."""
    invoice = get_object_or_404(
        Invoice.objects.for_customer(request.customer).last_12_months(), number=number
    )
    try:
        content = invoice_pdf_content(invoice=invoice)
    except DocumentUnavailable:
        return render(
            request,
            "billing/invoice_unavailable.html",
            {
                "invoice": invoice,
                "breadcrumbs": [
                    (_("Mes factures"), reverse("billing:invoices")),
                    (_("Facture %(number)s") % {"number": invoice.number}, None),
                ],
                "nav": "invoices",
            },
            status=503,
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(download, invoice.pdf_filename)
    response["Cache-Control"] = "no-store, private"
    return response
