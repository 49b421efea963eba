"""Every write of billing: issuing an invoice, the billing run, the PDF, the import.

`issue` holds the one validated draft every invoice is written from; the other modules build
drafts (`run`, `imports`) or work on issued invoices (`pdf`). Callers import from here.
"""

from .imports import (
    ImportFileError,
    ImportReport,
    import_invoices,
    iter_problems,
    read_records,
    record_from_object,
)
from .issue import (
    OPEN_STATUSES,
    InvoiceDraft,
    LineDraft,
    invoice_debit_sent,
    invoice_issue,
    invoice_mark_paid,
    invoice_notification_send,
    invoice_reopen,
)
from .pdf import (
    DocumentUnavailable,
    invoice_pdf_bytes,
    invoice_pdf_content,
    invoice_render_pdf,
)
from .retention import invoices_purge
from .run import (
    RunResult,
    billing_run,
    billing_run_candidates,
    billing_run_current,
    billing_run_customers,
    billing_run_start,
    subscription_lines,
)

__all__ = [
    "DocumentUnavailable",
    "ImportFileError",
    "ImportReport",
    "InvoiceDraft",
    "LineDraft",
    "OPEN_STATUSES",
    "RunResult",
    "billing_run",
    "billing_run_candidates",
    "billing_run_current",
    "billing_run_customers",
    "billing_run_start",
    "import_invoices",
    "invoice_debit_sent",
    "invoice_issue",
    "invoice_mark_paid",
    "invoice_notification_send",
    "invoice_pdf_bytes",
    "invoice_pdf_content",
    "invoice_render_pdf",
    "invoice_reopen",
    "invoices_purge",
    "iter_problems",
    "read_records",
    "record_from_object",
    "subscription_lines",
]
