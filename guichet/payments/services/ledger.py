"""The ledger's writes (B4): confirming money received and settling invoices with it.

One path for every payment, whatever brought it (card notification, direct debit, staff):
`payment_confirm` turns a pending payment into confirmed money, then `ledger_settle` spreads the
customer's unallocated confirmed money over their open invoices, oldest first (issue date, then
number), as `Allocation` rows; an invoice whose allocations reach its total is marked paid
through billing's own service. What no open invoice takes stays as credit, used by the next
invoice the next time `ledger_settle` runs for that customer.

Concurrency: every write here locks the customer row first (then the payment row), so two
confirmations for one customer run one after the other and read each other's allocations; the
lock order customer → payment is the same everywhere, so they cannot deadlock.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from guichet.billing.models import Invoice
from guichet.billing.services import invoice_mark_paid
from guichet.customers.models import Customer

from ..models import Allocation, Payment

logger = logging.getLogger(__name__)

# Readable over the phone: no 0/O, 1/I/L, 5/S, 8/B.
_REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY234679"
_REFERENCE_LENGTH = 8


@dataclass(frozen=True)
class SettleResult:
    allocated_cents: int = 0
    paid_invoice_ids: list[int] = field(default_factory=list)


def payment_reference_new() -> str:
    """A new unique reference the customer can read out: « P-2026-7KQ4XA9M »."""
    year = timezone.localdate().year
    for _ in range(10):
        code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(_REFERENCE_LENGTH))
        reference = f"P-{year}-{code}"
        if not Payment.objects.filter(reference=reference).exists():
            return reference
    # 26⁸ codes a year: ten collisions in a row means something else is wrong.
    raise RuntimeError("could not draw a free payment reference")


def _lock_customer(customer_id: int) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer_id)


def payment_confirm(*, payment_id: int, confirmed_at: datetime.datetime | None = None) -> bool:
    """Confirm a pending payment and settle the customer's open invoices with it.

    True if this call confirmed it; False (and nothing done) if the payment is not pending any
    more — a provider that sends its notification twice confirms once.
    """
    customer_id = (
        Payment.objects.filter(pk=payment_id).values_list("customer_id", flat=True).first()
    )
    if customer_id is None:
        return False
    with transaction.atomic():
        _lock_customer(customer_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != Payment.Status.PENDING:
            return False
        payment.status = Payment.Status.CONFIRMED
        payment.confirmed_at = confirmed_at or timezone.now()
        payment.save(update_fields=["status", "confirmed_at", "updated_at"])
        _settle_locked(customer_id, paid_at=payment.confirmed_at)
    return True


def ledger_settle(*, customer_id: int, paid_at: datetime.datetime | None = None) -> SettleResult:
    """Spend the customer's unallocated confirmed money on their open invoices, oldest first.

    Called after each confirmation, and after invoices are issued (see `guichet.payments.terms`
    for how a billing run reaches it without billing importing payments), so a credit pays the
    next invoice as soon as it exists.
    """
    with transaction.atomic():
        _lock_customer(customer_id)
        return _settle_locked(customer_id, paid_at=paid_at or timezone.now())


def ledger_invoice_issued(*, invoice_id: int, customer_id: int) -> SettleResult:
    """Billing's hook once an invoice is issued (settings.BILLING_INVOICE_ISSUED): a customer
    with credit has the new invoice settled from it at once. One query when there is none, so a
    billing run stays cheap; a run's failure here leaves the credit for the next settlement."""
    if not customer_has_credit(customer_id=customer_id):
        return SettleResult()
    return ledger_settle(customer_id=customer_id)


def ledger_invoices_issued(*, invoices: list[tuple[int, int]]) -> list[SettleResult]:
    """`ledger_invoice_issued` for many invoices at once, (invoice id, customer id) pairs (a
    chunk of a billing run): one query finds the customers with credit, and only those are
    settled, one by one as `ledger_invoice_issued` would."""
    with_credit = customers_with_credit(customer_ids=[customer_id for _, customer_id in invoices])
    results = []
    for customer_id in sorted(with_credit):
        try:
            results.append(ledger_settle(customer_id=customer_id))
        except Exception:
            # As for one invoice: the credit stays for the next settlement, the others go on.
            logger.exception("Customer %s: credit not spent on the new invoice", customer_id)
    return results


# Billing's run calls the variant for many when the hook it is given has one (decision 0008).
ledger_invoice_issued.many = ledger_invoices_issued


def customer_has_credit(*, customer_id: int) -> bool:
    """Confirmed money that no invoice took yet (one query)."""
    return bool(customers_with_credit(customer_ids=[customer_id]))


def customers_with_credit(*, customer_ids: list[int]) -> set[int]:
    """Those of these customers with confirmed money that no invoice took yet (one query)."""
    paid = (
        Payment.objects.filter(customer_id=OuterRef("pk"), status=Payment.Status.CONFIRMED)
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    spent = (
        Allocation.objects.filter(payment__customer_id=OuterRef("pk"))
        .order_by()
        .values("payment__customer_id")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    return set(
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(
            paid=Coalesce(Subquery(paid, output_field=IntegerField()), Value(0)),
            spent=Coalesce(Subquery(spent, output_field=IntegerField()), Value(0)),
        )
        .filter(paid__gt=F("spent"))
        .values_list("pk", flat=True)
    )


def _settle_locked(customer_id: int, *, paid_at: datetime.datetime) -> SettleResult:
    """The allocation itself; the caller holds the customer's row lock."""
    open_invoices = list(
        Invoice.objects.filter(customer_id=customer_id)
        .exclude(status=Invoice.Status.PAID)
        .order_by("issue_date", "number")
        .values_list("pk", "total_incl_vat_cents")
    )
    if not open_invoices:
        return SettleResult()
    allocated_to = _sums(
        Allocation.objects.filter(invoice_id__in=[pk for pk, _ in open_invoices]), "invoice_id"
    )
    payments = list(
        Payment.objects.filter(customer_id=customer_id, status=Payment.Status.CONFIRMED)
        .order_by("confirmed_at", "pk")
        .values_list("pk", "amount_cents")
    )
    spent_from = _sums(Allocation.objects.filter(payment__customer_id=customer_id), "payment_id")
    available = [
        [pk, amount - spent_from.get(pk, 0)]
        for pk, amount in payments
        if amount - spent_from.get(pk, 0) > 0
    ]

    new_allocations: list[Allocation] = []
    settled: list[int] = []
    for invoice_id, total in open_invoices:
        remaining = total - allocated_to.get(invoice_id, 0)
        while remaining > 0 and available:
            payment = available[0]
            amount = min(remaining, payment[1])
            new_allocations.append(
                Allocation(payment_id=payment[0], invoice_id=invoice_id, amount_cents=amount)
            )
            remaining -= amount
            payment[1] -= amount
            if payment[1] == 0:
                available.pop(0)
        if remaining <= 0:
            settled.append(invoice_id)
        elif not available:
            break
    Allocation.objects.bulk_create(new_allocations)
    paid = [pk for pk in settled if invoice_mark_paid(invoice_id=pk, paid_at=paid_at)]
    return SettleResult(
        allocated_cents=sum(a.amount_cents for a in new_allocations), paid_invoice_ids=paid
    )


def _sums(allocations, key: str) -> dict[int, int]:
    return dict(
        allocations.values(key).annotate(total=Sum("amount_cents")).values_list(key, "total")
    )


def payment_record(
    *,
    customer: Customer,
    amount_cents: int,
    method: str,
    reference: str | None = None,
    confirmed_at: datetime.datetime | None = None,
    provider: str = "",
    provider_reference: str = "",
) -> Payment:
    """Money received outside the portal (staff, demo, a bank transfer): a confirmed payment,
    through the same confirmation and settlement as a card payment."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError(
            {"amount_cents": gettext("Le montant doit être un nombre de centimes positif.")}
        )
    if method not in Payment.Method.values:
        raise ValidationError({"method": gettext("Ce moyen de paiement n'existe pas.")})
    with transaction.atomic():
        payment = Payment(
            customer=customer,
            reference=reference or payment_reference_new(),
            method=method,
            amount_cents=amount_cents,
            provider=provider,
            provider_reference=provider_reference,
        )
        # The reference's uniqueness is the database's to say, in our words below.
        payment.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                payment.save()
        except IntegrityError as error:
            raise ValidationError(
                {"reference": gettext("Un paiement porte déjà cette référence.")}
            ) from error
        payment_confirm(payment_id=payment.pk, confirmed_at=confirmed_at)
        payment.refresh_from_db()
    return payment


def _close_pending(payment_id: int, status: str) -> bool:
    return bool(
        Payment.objects.filter(pk=payment_id, status=Payment.Status.PENDING).update(
            status=status, updated_at=timezone.now()
        )
    )


def payment_refuse(*, payment_id: int) -> bool:
    """The provider refused a pending payment; True if this call did it. It never counted."""
    return _close_pending(payment_id, Payment.Status.REFUSED)


def payment_cancel(*, payment_id: int) -> bool:
    """The customer abandoned a pending payment; True if this call did it."""
    return _close_pending(payment_id, Payment.Status.CANCELLED)
