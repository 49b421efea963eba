from django.urls import path, register_converter

from . import views


class InvoiceNumberConverter:
    regex = "[A-Za-z0-9][A-Za-z0-9_-]{0,29}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(InvoiceNumberConverter, "invoice_number")

app_name = "billing"
urlpatterns = [
    path("mes-factures/", views.invoices, name="invoices"),
    path("mes-factures/<invoice_number:number>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path(
        "mes-factures/telecharger/<invoice_number:number>.pdf",
        views.invoice_pdf,
        {"download": True},
        name="invoice_download",
    ),
]
