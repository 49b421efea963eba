"""Invoices past their legal retention: deleted by the privacy purge, and only those.

An issued invoice never changes and is never deleted (models.py, migrations 0002 and 0004),
with one exception: once the law no longer asks for it (settings.PRIVACY_INVOICE_RETENTION_YEARS,
10 years at least), the retention purge deletes it, its lines and its PDF. What points at it
from other apps (payments' allocations and debits) must be gone first: the caller's job.
"""

import datetime
import logging
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import connection, transaction

from ..guard import billing_retention_purge_allowed
from ..models import Invoice, InvoiceLine

logger = logging.getLogger(__name__)


def invoices_purge(
    *, issued_before: datetime.date, dry_run: bool = False, keep: Iterable[int] = ()
) -> int:
    """Delete the invoices issued before `issued_before`, lines first, PDFs after commit.

    `keep`: ids the caller holds back although they are old enough (never widens the date).
    Returns how many invoices went (with dry_run, how many would). Raises ProtectedError if
    a row of another app still points at one of them.
    """
    keep = set(keep)
    invoices = Invoice.objects.filter(issue_date__lt=issued_before).exclude(pk__in=keep)
    if dry_run:
        return invoices.count()
    with transaction.atomic():
        pdfs = [name for name in invoices.select_for_update().values_list("pdf", flat=True) if name]
        with billing_retention_purge_allowed(connection, issued_before):
            InvoiceLine.objects.exclude(invoice_id__in=keep).retention_purge(
                issued_before=issued_before
            )
            count = Invoice.objects.exclude(pk__in=keep).retention_purge(
                issued_before=issued_before
            )
        for name in pdfs:
            # After commit: a rollback must not leave an invoice whose PDF is gone.
            transaction.on_commit(lambda name=name: default_storage.delete(name))
    if count:
        logger.info("Invoices issued before %s purged: %d", issued_before, count)
    return count
