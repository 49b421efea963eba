"""The monthly billing run: one invoice per customer and month, from their subscriptions."""

import datetime
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Prefetch, Q
from django.utils import translation
from django.utils.translation import gettext as _

from guichet.catalog.models import ProductKind, Subscription
from guichet.core.formatting import format_phone
from guichet.customers.models import Customer

from ..models import Invoice, LineGroup
from ..periods import days_in_month, month_end
from ..terms import payment_terms
from .issue import InvoiceDraft, LineDraft, invoice_issue

logger = logging.getLogger(__name__)

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


def billing_run_customers(
    *,
    customer_ids: Sequence[int],
    period: datetime.date,
    issue_date: datetime.date,
    notify: bool = True,
    render_pdf: bool = True,
) -> RunResult:
    """Invoice these customers for the month, each in its own transaction.

    A customer already invoiced for the month is left alone, here or in a run going on at
    the same time (the unique (customer, period) constraint decides), so running a month
    again adds nothing.
    """
    result = RunResult()
    billable = _billable(period).select_related("product").order_by("start_date", "pk")
    customers = (
        Customer.objects.filter(pk__in=customer_ids)
        .prefetch_related("holders", Prefetch("subscriptions", billable, to_attr="billable"))
        .order_by("pk")
    )
    invoiced = set(
        Invoice.objects.filter(period=period, customer_id__in=customer_ids).values_list(
            "customer_id", flat=True
        )
    )
    for customer in customers:
        if customer.pk in invoiced:
            result.already_invoiced += 1
            continue
        # What the invoice writes in words (line labels) is in the customer's language.
        with translation.override(customer.language or settings.LANGUAGE_CODE):
            lines = subscription_lines(customer.billable, period)
        if not any(line.amount_incl_vat_cents for line in lines):
            result.nothing_to_bill += 1
            continue
        try:
            terms = payment_terms(customer=customer, issue_date=issue_date)
            invoice = invoice_issue(
                draft=InvoiceDraft(
                    customer=customer,
                    period=period,
                    issue_date=issue_date,
                    payment_method=terms.method,
                    due_date=terms.due_date,
                    lines=lines,
                    source=Invoice.Source.BILLING_RUN,
                ),
                notify=notify,
                render_pdf=render_pdf,
            )
        except IntegrityError:
            if Invoice.objects.filter(customer=customer, period=period).exists():
                result.already_invoiced += 1  # another run was faster
            else:
                logger.exception("Billing run %s: customer %s not invoiced", period, customer.pk)
                result.failed += 1
        except Exception:
            logger.exception("Billing run %s: customer %s not invoiced", period, customer.pk)
            result.failed += 1
        else:
            result.issued += 1
            result.total_incl_vat_cents += invoice.total_incl_vat_cents
    return result


def billing_run(
    *,
    period: datetime.date,
    issue_date: datetime.date,
    notify: bool = True,
    render_pdf: bool = True,
    batch_size: int = 200,
    on_batch: Callable[[RunResult], None] | None = None,
) -> RunResult:
    """The whole month in this process, batch after batch (`on_batch` follows progress)."""
    result = RunResult()
    candidates = billing_run_candidates(period=period)
    for start in range(0, len(candidates), batch_size):
        batch = billing_run_customers(
            customer_ids=candidates[start : start + batch_size],
            period=period,
            issue_date=issue_date,
            notify=notify,
            render_pdf=render_pdf,
        )
        result.add(batch)
        if on_batch:
            on_batch(batch)
    return result
