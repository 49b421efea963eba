"""Every write of billing: issuing an invoice, settling it, and the monthly billing run."""

import datetime
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from guichet.catalog.models import ProductKind, Subscription
from guichet.core.emails import email_queue
from guichet.core.formatting import format_phone
from guichet.customers.models import Customer

from .models import Invoice, InvoiceLine, LineGroup
from .money import BP, excl_vat, prorate, split_vat
from .numbering import invoice_number_next
from .periods import days_in_month, month_end
from .terms import payment_terms

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
SELLER_FIELDS = ("name", "address_lines", "siren", "vat_number", "legal", "payment_terms")


@dataclass(frozen=True)
class LineDraft:
    """An invoice line before it is written; amounts in cents."""

    group: str
    label: str
    period_start: datetime.date
    period_end: datetime.date
    vat_rate_bp: int
    unit_price_excl_vat_cents: int
    amount_excl_vat_cents: int
    vat_cents: int
    amount_incl_vat_cents: int
    quantity: int = 1
    prorata_days: int | None = None
    prorata_base_days: int | None = None
    subscription_id: int | None = None

    @classmethod
    def from_incl_vat(
        cls,
        *,
        group: str,
        label: str,
        period_start: datetime.date,
        period_end: datetime.date,
        unit_price_incl_vat_cents: int,
        vat_rate_bp: int,
        quantity: int = 1,
        prorata: tuple[int, int] | None = None,
        subscription_id: int | None = None,
    ) -> "LineDraft":
        """A line priced incl. VAT (consumer prices): HT and VAT are derived from the TTC."""
        amount = unit_price_incl_vat_cents * quantity
        if prorata is not None:
            amount = prorate(amount, *prorata)
        excl, vat = split_vat(amount, vat_rate_bp)
        return cls(
            group=group,
            label=label,
            period_start=period_start,
            period_end=period_end,
            vat_rate_bp=vat_rate_bp,
            unit_price_excl_vat_cents=excl_vat(unit_price_incl_vat_cents, vat_rate_bp),
            amount_excl_vat_cents=excl,
            vat_cents=vat,
            amount_incl_vat_cents=amount,
            quantity=quantity,
            prorata_days=prorata[0] if prorata else None,
            prorata_base_days=prorata[1] if prorata else None,
            subscription_id=subscription_id,
        )

    def errors(self) -> list[str]:
        """What makes this line impossible to write, in French; empty when it is sound."""
        errors = []
        if self.amount_excl_vat_cents + self.vat_cents != self.amount_incl_vat_cents:
            errors.append("montant HT + TVA différent du montant TTC")
        if not 0 <= self.vat_rate_bp <= BP:
            errors.append("taux de TVA hors de 0 à 100 %")
        if self.period_end < self.period_start:
            errors.append("période de la ligne inversée (fin avant début)")
        if self.quantity < 1:
            errors.append("quantité inférieure à 1")
        if not self.label.strip():
            errors.append("désignation vide")
        if (self.prorata_days is None) != (self.prorata_base_days is None) or (
            self.prorata_days is not None and not 0 <= self.prorata_days <= self.prorata_base_days
        ):
            errors.append("prorata incohérent")
        return errors


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


def invoice_issue(
    *,
    customer: Customer,
    period: datetime.date,
    issue_date: datetime.date,
    lines: Sequence[LineDraft],
    source: str,
    payment_method: str,
    due_date: datetime.date,
    number: str | None = None,
    status: str = Invoice.Status.ISSUED,
    paid_at: datetime.datetime | None = None,
    notify: bool = True,
    render_pdf: bool = True,
) -> Invoice:
    """Write an invoice and its lines; from then on they never change.

    Without `number`, the next number of the operator's sequence is taken inside this
    transaction. The « facture disponible » e-mail is queued in the same transaction (if
    the customer asked for it), and the PDF is rendered by a task once it commits.
    """
    errors = [
        f"ligne {index} : {error}" for index, line in enumerate(lines, 1) for error in line.errors()
    ]
    if not lines:
        errors.append("une facture a au moins une ligne")
    if errors:
        raise ValidationError(errors)
    invoice = Invoice(
        number=number or "",
        customer=customer,
        customer_reference=customer.reference,
        customer_name=customer.display_name or customer.reference,
        billing_address="\n".join(customer.billing_address_lines),
        seller={key: settings.BILLING_OPERATOR[key] for key in SELLER_FIELDS},
        period=period,
        issue_date=issue_date,
        payment_method=payment_method,
        due_date=due_date,
        total_excl_vat_cents=sum(line.amount_excl_vat_cents for line in lines),
        total_vat_cents=sum(line.vat_cents for line in lines),
        total_incl_vat_cents=sum(line.amount_incl_vat_cents for line in lines),
        source=source,
        status=status,
        paid_at=paid_at,
    )
    # Uniqueness and check constraints are the database's to enforce; callers that read
    # untrusted data (the import) check them first to give a readable message.
    invoice.full_clean(
        exclude=["customer", "pdf"] + (["number"] if number is None else []),
        validate_unique=False,
        validate_constraints=False,
    )
    if period.day != 1:
        raise ValidationError("La période est un mois : son premier jour.")
    if due_date < issue_date:
        raise ValidationError("L'échéance précède la date de facture.")
    if (status == Invoice.Status.PAID) != (paid_at is not None):
        raise ValidationError("Une facture payée a une date de paiement, et seulement elle.")

    with transaction.atomic():
        if number is None:
            invoice.number = invoice_number_next()
        invoice.save()
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                position=position,
                group=line.group,
                label=line.label,
                period_start=line.period_start,
                period_end=line.period_end,
                quantity=line.quantity,
                unit_price_excl_vat_cents=line.unit_price_excl_vat_cents,
                vat_rate_bp=line.vat_rate_bp,
                prorata_days=line.prorata_days,
                prorata_base_days=line.prorata_base_days,
                amount_excl_vat_cents=line.amount_excl_vat_cents,
                vat_cents=line.vat_cents,
                amount_incl_vat_cents=line.amount_incl_vat_cents,
                subscription_id=line.subscription_id,
            )
            for position, line in enumerate(lines, 1)
        )
        if notify and customer.invoice_email_opt_in and customer.invoice_email:
            email_queue(
                to=customer.invoice_email,
                template="invoice_available",
                context={
                    "invoice": invoice,
                    "invoices_url": settings.GUICHET_SITE_URL + reverse("billing:invoices"),
                },
            )
        if render_pdf:
            # Robust: a PDF that fails to render now is rendered when first opened.
            transaction.on_commit(lambda: _enqueue_pdf(invoice.pk), robust=True)
    return invoice


def invoice_mark_paid(*, invoice_id: int, paid_at: datetime.datetime | None = None) -> bool:
    """Record that an invoice is settled; True if this call did it (settling twice is a no-op)."""
    return bool(
        Invoice.objects.filter(pk=invoice_id, status=Invoice.Status.ISSUED).update(
            status=Invoice.Status.PAID, paid_at=paid_at or timezone.now()
        )
    )


def subscription_lines(
    subscriptions: Sequence[Subscription], period: datetime.date
) -> list[LineDraft]:
    """One line per service active during the month, pro rata temporis for part of it."""
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
            label += f" · ligne {format_phone(subscription.line_number)}"
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
        lines = subscription_lines(customer.billable, period)
        if not any(line.amount_incl_vat_cents for line in lines):
            result.nothing_to_bill += 1
            continue
        try:
            terms = payment_terms(customer=customer, issue_date=issue_date)
            invoice = invoice_issue(
                customer=customer,
                period=period,
                issue_date=issue_date,
                lines=lines,
                source=Invoice.Source.BILLING_RUN,
                payment_method=terms.method,
                due_date=terms.due_date,
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


def _enqueue_pdf(invoice_id: int) -> None:
    from .tasks import render_invoice_pdf  # tasks import this module

    render_invoice_pdf.delay(invoice_id)
