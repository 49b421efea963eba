"""Admin for invoices (J1): read only, an issued invoice never changes; its PDF for staff."""

from django.contrib import admin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_lazy

from guichet.core.admin_site import ReadOnlyAdminMixin
from guichet.core.formatting import format_cents
from guichet.core.models import StaffAccess
from guichet.core.staff_audit import StaffAuditMixin, staff_access_record

from .models import BillingRun, Invoice, InvoiceCounter, InvoiceLine
from .services import DocumentUnavailable, invoice_pdf_content


class InvoiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = [
        "position",
        "group",
        "label",
        "period_start",
        "period_end",
        "quantity",
        "unit_price_excl_vat_cents",
        "vat_rate_bp",
        "amount_excl_vat_cents",
        "vat_cents",
        "amount_incl_vat_cents",
    ]
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(StaffAuditMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "customer_reference",
        "customer_name",
        "issue_date",
        "period",
        "total",
        "status",
        "source",
    ]
    list_filter = ["status", "payment_method", "source", "period"]
    search_fields = ["number", "customer_reference", "customer_name"]
    date_hierarchy = "issue_date"
    inlines = [InvoiceLineInline]
    fieldsets = [
        (None, {"fields": ["number", "issue_date", "period", "source", "pdf_link"]}),
        (
            gettext_lazy("Client"),
            {"fields": ["customer", "customer_reference", "customer_name", "billing_address"]},
        ),
        (
            gettext_lazy("Montants (centimes)"),
            {"fields": ["total_excl_vat_cents", "total_vat_cents", "total_incl_vat_cents"]},
        ),
        (gettext_lazy("Paiement"), {"fields": ["payment_method", "due_date", "status", "paid_at"]}),
        (gettext_lazy("Document"), {"fields": ["seller", "pdf_sha256", "created_at"]}),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    @admin.display(description=gettext_lazy("total TTC"), ordering="total_incl_vat_cents")
    def total(self, invoice):
        return format_cents(invoice.total_incl_vat_cents)

    @admin.display(description="PDF")
    def pdf_link(self, invoice):
        url = reverse("admin:billing_invoice_pdf", args=[invoice.pk])
        return format_html('<a href="{}">{}</a>', url, invoice.pdf_filename)

    def get_urls(self):
        return [
            path(
                "<int:invoice_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="billing_invoice_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, invoice_id: int):
        if not self.has_view_permission(request):
            raise Http404
        invoice = get_object_or_404(Invoice, pk=invoice_id)
        staff_access_record(
            request=request,
            action=StaffAccess.Action.VIEW,
            model=Invoice,
            obj=invoice,
            detail="PDF",
        )
        try:
            content = invoice_pdf_content(invoice=invoice)
        except DocumentUnavailable:
            return HttpResponse(
                gettext(
                    "Le PDF de cette facture ne correspond plus à son empreinte : "
                    "voir les journaux."
                ),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(False, invoice.pdf_filename)
        response["Cache-Control"] = "no-store, private"
        return response


@admin.register(InvoiceCounter)
class InvoiceCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["prefix", "last_number"]


@admin.register(BillingRun)
class BillingRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The monthly runs and how far they got; PDFs counted on the run's invoices (detail only:
    one query each, never per row of the list)."""

    list_display = [
        "period",
        "issue_date",
        "status",
        "customers_total",
        "issued",
        "failed",
        "chunks",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "period"]
    date_hierarchy = "started_at"
    fields = [
        "period",
        "issue_date",
        "status",
        "notify",
        "render_pdf",
        "customers_total",
        "issued",
        "already_invoiced",
        "nothing_to_bill",
        "failed",
        "chunks",
        "total",
        "pdfs",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("lots terminés"))
    def chunks(self, run: BillingRun) -> str:
        return f"{run.chunks_done} / {run.chunks_total}"

    @admin.display(description=gettext_lazy("total TTC"))
    def total(self, run: BillingRun) -> str:
        return format_cents(run.total_incl_vat_cents)

    @admin.display(description=gettext_lazy("PDF rendus"))
    def pdfs(self, run: BillingRun) -> str:
        rendered, waiting = run.pdfs_rendered(), run.pdfs_to_render()
        return f"{rendered} / {rendered + waiting}"
