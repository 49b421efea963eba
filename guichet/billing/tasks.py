"""Background jobs of billing: a part of the billing run, and an invoice's PDF."""

import datetime

from celery import shared_task

from .services.pdf import invoice_render_pdf
from .services.run import billing_run_current, billing_run_customers


# Idempotent both: a customer invoiced for the month is skipped, a stored PDF is kept, so a
# message delivered twice (acks_late after a lost worker) does no harm.
@shared_task(acks_late=True, ignore_result=True)
def bill_customers(
    customer_ids: list[int], period: str, issue_date: str, notify: bool, render_pdf: bool
) -> None:
    period_date = datetime.date.fromisoformat(period)
    issue = datetime.date.fromisoformat(issue_date)
    billing_run_customers(
        customer_ids=customer_ids,
        period=period_date,
        issue_date=issue,
        notify=notify,
        render_pdf=render_pdf,
        run=billing_run_current(period=period_date, issue_date=issue),
    )


@shared_task(acks_late=True, ignore_result=True)
def render_invoice_pdf(invoice_id: int) -> None:
    invoice_render_pdf(invoice_id=invoice_id)


# Queued after each chunk of a billing run commits: workers render beside or after the run.
@shared_task(acks_late=True, ignore_result=True)
def render_invoice_pdfs(invoice_ids: list[int]) -> None:
    for invoice_id in invoice_ids:
        invoice_render_pdf(invoice_id=invoice_id)
