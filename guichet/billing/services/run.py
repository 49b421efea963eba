"""The monthly billing run: one invoice per customer and month, from their subscriptions."""

import copy
import datetime
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Prefetch, Q, Value, When
from django.db.models.functions import Least
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guichet.catalog.models import Product, ProductKind, Subscription
from guichet.core.emails import email_queue_many
from guichet.core.formatting import format_phone
from guichet.customers.models import Customer

from ..models import BillingRun, Invoice, InvoiceLine, LineGroup
from ..numbering import invoice_numbers_take
from ..periods import days_in_month, month_end
from ..terms import payment_terms
from .issue import (
    InvoiceDraft,
    LineDraft,
    invoice_build,
    invoice_notification_defer,
    invoice_snapshot,
    invoices_issued_hook,
)
from .rows import rows_insert

logger = logging.getLogger(__name__)

PRODUCT = Subscription._meta.get_field("product")

# Customers per chunk: one transaction, a few queries and three bulk inserts each; bounded
# memory whatever the number of customers.
CHUNK_SIZE = 1000
# A chunk refused by the unique (customer, period) constraint is tried again this many
# times, then one customer at a time.
CHUNK_REPLAYS = 3
# Invoice PDFs per rendering task queued after a chunk commits.
PDF_TASK_SIZE = 100

# How the billing run orders a customer's services on the invoice: the bundle first.
KIND_ORDER = [
    ProductKind.BUNDLE,
    ProductKind.TV,
    ProductKind.TV_OPTION,
    ProductKind.INTERNET,
    ProductKind.FIXED,
    ProductKind.FIXED_PLAN,
    ProductKind.MOBILE,
]


@dataclass
class RunResult:
    """What a billing run (or a part of it) did."""

    issued: int = 0
    already_invoiced: int = 0
    nothing_to_bill: int = 0
    failed: int = 0
    total_incl_vat_cents: int = 0

    def add(self, other: "RunResult") -> None:
        self.issued += other.issued
        self.already_invoiced += other.already_invoiced
        self.nothing_to_bill += other.nothing_to_bill
        self.failed += other.failed
        self.total_incl_vat_cents += other.total_incl_vat_cents

    @property
    def customers(self) -> int:
        return self.issued + self.already_invoiced + self.nothing_to_bill + self.failed


def subscription_lines(
    subscriptions: Sequence[Subscription], period: datetime.date
) -> list[LineDraft]:
    """One line per service active during the month, pro rata temporis for part of it.

    The labels are written in the active language, once: call it in the customer's.
    """
    first, last = period, month_end(period)
    month_days = days_in_month(period)
    lines = []
    ordered = sorted(
        subscriptions,
        key=lambda s: (KIND_ORDER.index(s.product.kind), s.start_date, s.pk or 0),
    )
    for subscription in ordered:
        start = max(subscription.start_date, first)
        end = min(subscription.end_date or last, last)
        if end < start:
            continue
        days = (end - start).days + 1
        label = subscription.product.name
        if subscription.line_number:
            label = _("%(product)s · ligne %(number)s") % {
                "product": label,
                "number": format_phone(subscription.line_number),
            }
        lines.append(
            LineDraft.from_incl_vat(
                group=LineGroup.SUBSCRIPTIONS,
                label=label,
                period_start=start,
                period_end=end,
                unit_price_incl_vat_cents=subscription.monthly_price_cents,
                vat_rate_bp=subscription.product.vat_rate_bp,
                prorata=(days, month_days) if days < month_days else None,
                subscription_id=subscription.pk,
            )
        )
    return lines


def _billable(period: datetime.date):
    """Subscriptions active on at least one day of the month."""
    return Subscription.objects.filter(start_date__lte=month_end(period)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period)
    )


def billing_run_candidates(*, period: datetime.date) -> list[int]:
    """Customers with a paying service during the month and no invoice for it yet."""
    paying = Q(price_cents__gt=0) | Q(price_cents__isnull=True, product__monthly_price_cents__gt=0)
    return list(
        _billable(period)
        .filter(paying)
        .exclude(customer__invoices__period=period)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
        .distinct()
    )


def billing_run_start(
    *,
    period: datetime.date,
    issue_date: datetime.date,
    customers_total: int,
    chunk_size: int,
    notify: bool = True,
    render_pdf: bool = True,
) -> BillingRun:
    """Record a run about to bill `customers_total` customers in chunks of `chunk_size`."""
    return BillingRun.objects.create(
        period=period,
        issue_date=issue_date,
        notify=notify,
        render_pdf=render_pdf,
        customers_total=customers_total,
        chunks_total=-(-customers_total // chunk_size),
        status=BillingRun.Status.DONE if not customers_total else BillingRun.Status.RUNNING,
        finished_at=timezone.now() if not customers_total else None,
    )


def billing_run_current(*, period: datetime.date, issue_date: datetime.date) -> BillingRun | None:
    """The run a chunk handed to a worker belongs to: the latest one of that month and date."""
    return (
        BillingRun.objects.filter(period=period, issue_date=issue_date)
        .order_by("-started_at", "-pk")
        .first()
    )


def billing_run_customers(
    *,
    customer_ids: Sequence[int],
    period: datetime.date,
    issue_date: datetime.date,
    notify: bool = True,
    render_pdf: bool = True,
    run: BillingRun | None = None,
) -> RunResult:
    """Invoice these customers for the month (a chunk of a run), set-based, in one transaction.

    The customers, their services and terms are read in a few queries and the drafts checked
    in memory (a customer whose draft is refused is reported as failed, the others go on);
    then, under the counter's lock, the customers invoiced meanwhile are set aside, a block of
    numbers is taken and the invoices, their lines and their e-mails are inserted at once. A
    rollback gives everything back, numbers included. A customer already invoiced for the
    month is left alone, here or in a run going on at the same time (the counter lock orders
    the chunks; the unique (customer, period) constraint decides the rest: a chunk that hits
    it is replayed), so running a month again, or a chunk delivered twice, adds nothing.
    """
    result = RunResult()
    customer_ids = list(customer_ids)
    invoiced = set(
        Invoice.objects.filter(period=period, customer_id__in=customer_ids).values_list(
            "customer_id", flat=True
        )
    )
    result.already_invoiced = len(invoiced)
    billable = _billable(period).order_by("start_date", "pk")
    customers = list(
        Customer.objects.filter(pk__in=[pk for pk in customer_ids if pk not in invoiced])
        .prefetch_related("holders", Prefetch("subscriptions", billable, to_attr="billable"))
        .order_by("pk")
    )
    # A few products for thousands of services: each read once (select_related would make
    # one per service).
    products = Product.objects.in_bulk(
        {subscription.product_id for customer in customers for subscription in customer.billable}
    )
    for customer in customers:
        for subscription in customer.billable:
            PRODUCT.set_cached_value(subscription, products[subscription.product_id])
    drafts = []
    for customer in customers:
        # What the invoice writes in words (line labels) is in the customer's language.
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            lines = subscription_lines(customer.billable, period)
        if not any(line.amount_incl_vat_cents for line in lines):
            result.nothing_to_bill += 1
        else:
            drafts.append((customer, lines))
    terms_of = _terms(customers=[customer for customer, _ in drafts], issue_date=issue_date)
    snapshot = invoice_snapshot()
    built = []
    for customer, lines in drafts:
        try:
            terms = terms_of[customer.pk]
            if isinstance(terms, Exception):
                raise terms
            invoice, invoice_lines = invoice_build(
                draft=InvoiceDraft(
                    customer=customer,
                    period=period,
                    issue_date=issue_date,
                    payment_method=terms.method,
                    due_date=terms.due_date,
                    lines=lines,
                    source=Invoice.Source.BILLING_RUN,
                ),
                snapshot=snapshot,
                run_id=run.pk if run else None,
            )
        except Exception:
            logger.exception("Billing run %s: customer %s not invoiced", period, customer.pk)
            result.failed += 1
        else:
            built.append((invoice, invoice_lines))

    for _attempt in range(CHUNK_REPLAYS):
        try:
            written = _write_chunk(built, period=period, notify=notify, render_pdf=render_pdf)
        except IntegrityError:
            # A customer invoiced meanwhile outside the counter's lock (an import): replay.
            logger.warning("Billing run %s: a chunk met an invoice written meanwhile", period)
            continue
        result.already_invoiced += len(built) - len(written)
        result.issued += len(written)
        result.total_incl_vat_cents += sum(invoice.total_incl_vat_cents for invoice in written)
        break
    else:
        # Still refused: one customer at a time, so that one failure stays one.
        one_by_one = _issue_one_by_one(built, notify=notify, render_pdf=render_pdf)
        result.add(one_by_one)
    if run is not None:
        _run_progress(run, result)
    return result


def _terms(*, customers: list[Customer], issue_date: datetime.date) -> dict:
    """Each customer's payment terms, or the exception that stopped them (the customer fails,
    the others go on): in one go when the terms function offers it."""
    many = getattr(payment_terms, "many", None)
    if many is not None:
        try:
            return many(customers=customers, issue_date=issue_date)
        except Exception:
            logger.exception("Billing run: payment terms of a chunk, now one by one")
    terms_of: dict = {}
    for customer in customers:
        try:
            terms_of[customer.pk] = payment_terms(customer=customer, issue_date=issue_date)
        except Exception as exc:
            terms_of[customer.pk] = exc
    return terms_of


def _write_chunk(
    built: list[tuple[Invoice, list[InvoiceLine]]],
    *,
    period: datetime.date,
    notify: bool,
    render_pdf: bool,
) -> list[Invoice]:
    """Insert the chunk's invoices that are still due, in one transaction; those written."""
    if not built:
        return []
    for invoice, lines in built:  # a replay writes them afresh
        invoice.pk, invoice._state.adding = None, True
        for line in lines:
            line.pk, line._state.adding = None, True
    with transaction.atomic():
        # The counter's lock first: a run billing the same customers at the same time waits
        # here, then sees what it committed.
        invoice_numbers_take(0)
        taken = set(
            Invoice.objects.filter(
                period=period, customer_id__in=[invoice.customer_id for invoice, _ in built]
            ).values_list("customer_id", flat=True)
        )
        todo = [(invoice, lines) for invoice, lines in built if invoice.customer_id not in taken]
        if not todo:
            return []
        for (invoice, _lines), number in zip(todo, invoice_numbers_take(len(todo)), strict=True):
            invoice.number = number
        invoices = [invoice for invoice, _ in todo]
        created_at = timezone.now()
        for invoice in invoices:
            invoice.created_at = created_at
        rows_insert(Invoice, invoices)
        # The ids back: these customers' invoices of the month are the ones just inserted
        # (the others were set aside above, under the lock; one written meanwhile by an
        # import made the INSERT fail on the unique constraint).
        ids_of = dict(
            Invoice.objects.filter(
                period=period, customer_id__in=[invoice.customer_id for invoice in invoices]
            ).values_list("customer_id", "pk")
        )
        all_lines = []
        for invoice, lines in todo:
            invoice.pk, invoice._state.adding = ids_of[invoice.customer_id], False
            for line in lines:
                line.invoice = invoice
            all_lines.extend(lines)
        rows_insert(InvoiceLine, all_lines)
        if notify:
            email_queue_many(
                [
                    invoice_notification_defer(
                        invoice_id=invoice.pk,
                        to=invoice.customer.invoice_email,
                        language=invoice.customer.language,
                    )
                    for invoice in invoices
                    if invoice.customer.invoice_email_opt_in and invoice.customer.invoice_email
                ]
            )
        ids = [invoice.pk for invoice in invoices]
        if render_pdf:
            # Robust: a PDF that fails to be queued now is rendered when first opened.
            transaction.on_commit(lambda: _enqueue_pdfs(ids), robust=True)
        if settings.BILLING_INVOICE_ISSUED:
            pairs = [(invoice.pk, invoice.customer_id) for invoice in invoices]
            transaction.on_commit(lambda: invoices_issued_hook(pairs), robust=True)
    return invoices


def _issue_one_by_one(built, *, notify: bool, render_pdf: bool) -> RunResult:
    result = RunResult()
    for invoice, lines in built:
        try:
            with transaction.atomic():
                [written] = _write_chunk(
                    [(copy.copy(invoice), [copy.copy(line) for line in lines])],
                    period=invoice.period,
                    notify=notify,
                    render_pdf=render_pdf,
                ) or [None]
        except Exception:
            logger.exception(
                "Billing run %s: customer %s not invoiced", invoice.period, invoice.customer_id
            )
            result.failed += 1
            continue
        if written is None:
            result.already_invoiced += 1
        else:
            result.issued += 1
            result.total_incl_vat_cents += written.total_incl_vat_cents
    return result


def _run_progress(run: BillingRun, result: RunResult) -> None:
    """Count a chunk done in its run; the last one closes the run. A chunk delivered twice
    counts once in `chunks_done` (never above the total) and issues nothing the second time."""
    with transaction.atomic():
        BillingRun.objects.filter(pk=run.pk).update(
            issued=F("issued") + result.issued,
            already_invoiced=F("already_invoiced") + result.already_invoiced,
            nothing_to_bill=F("nothing_to_bill") + result.nothing_to_bill,
            failed=F("failed") + result.failed,
            total_incl_vat_cents=F("total_incl_vat_cents") + result.total_incl_vat_cents,
            chunks_done=Least(F("chunks_done") + 1, F("chunks_total")),
        )
        BillingRun.objects.filter(
            pk=run.pk, chunks_done=F("chunks_total"), finished_at__isnull=True
        ).update(
            status=Case(
                When(failed=0, then=Value(BillingRun.Status.DONE)),
                default=Value(BillingRun.Status.INCOMPLETE),
            ),
            finished_at=timezone.now(),
        )


def _enqueue_pdfs(invoice_ids: list[int]) -> None:
    from ..tasks import render_invoice_pdfs  # tasks import this package

    for start in range(0, len(invoice_ids), PDF_TASK_SIZE):
        render_invoice_pdfs.delay(invoice_ids[start : start + PDF_TASK_SIZE])


def billing_run(
    *,
    period: datetime.date,
    issue_date: datetime.date,
    notify: bool = True,
    render_pdf: bool = True,
    batch_size: int = CHUNK_SIZE,
    on_batch: Callable[[RunResult], None] | None = None,
    run: BillingRun | None = None,
) -> RunResult:
    """The whole month in this process, chunk after chunk (`on_batch` follows progress)."""
    result = RunResult()
    candidates = billing_run_candidates(period=period)
    if run is None:
        run = billing_run_start(
            period=period,
            issue_date=issue_date,
            customers_total=len(candidates),
            chunk_size=batch_size,
            notify=notify,
            render_pdf=render_pdf,
        )
    for start in range(0, len(candidates), batch_size):
        batch = billing_run_customers(
            customer_ids=candidates[start : start + batch_size],
            period=period,
            issue_date=issue_date,
            notify=notify,
            render_pdf=render_pdf,
            run=run,
        )
        result.add(batch)
        if on_batch:
            on_batch(batch)
    return result
