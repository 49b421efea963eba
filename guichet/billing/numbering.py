"""Gap-free invoice numbers: « T » and seven digits by default (settings BILLING_INVOICE_*).

A database sequence would leave a gap when an issuing transaction rolls back. Instead the
counter row is incremented by an UPDATE inside the issuing transaction: the row stays locked
until that transaction ends, so a concurrent issue waits and then reads the committed value
(PostgreSQL, READ COMMITTED) or the database is locked for writing (SQLite); a rollback
restores the previous value.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import InvoiceCounter


def format_number(prefix: str, value: int, digits: int) -> str:
    return f"{prefix}{value:0{digits}d}"


def invoice_number_next(*, prefix: str | None = None) -> str:
    """Take the next number; call it inside the transaction that writes the invoice."""
    return invoice_numbers_take(1, prefix=prefix)[0]


def invoice_numbers_take(count: int, *, prefix: str | None = None) -> list[str]:
    """Take `count` consecutive numbers at once (a chunk of a billing run), under the counter
    lock, inside the transaction that writes the invoices: a rollback gives the whole block
    back. The lock is held until that transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("invoice_number_next must run inside the issuing transaction")
    if count < 0:
        raise ValueError("count must not be negative")
    prefix = settings.BILLING_INVOICE_PREFIX if prefix is None else prefix
    counters = InvoiceCounter.objects.filter(prefix=prefix)
    if not counters.update(last_number=F("last_number") + count):
        # First number for this prefix: create the row (another transaction may be doing the
        # same; the unique prefix makes one of them wait, then fail and use the other's row).
        try:
            with transaction.atomic():
                InvoiceCounter.objects.create(prefix=prefix, last_number=0)
        except IntegrityError:
            pass
        counters.update(last_number=F("last_number") + count)
    last = counters.values_list("last_number", flat=True).get()
    digits = settings.BILLING_INVOICE_NUMBER_DIGITS
    return [format_number(prefix, value, digits) for value in range(last - count + 1, last + 1)]
