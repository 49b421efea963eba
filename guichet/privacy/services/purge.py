"""The retention purge (I3): what is kept past its time is deleted or anonymised.

Each limit is a setting the policy page shows (guichet/privacy/retention.py), so what the
customer reads is what this does. Issued invoices are kept as long as the law asks
(PRIVACY_INVOICE_RETENTION_YEARS, 10 at least), then deleted with their lines and PDF
(billing's invoices_purge, the one path past its guards), after what points at them in
payments: their allocations and debits, and the payments that settled only such invoices.

Payments, decided conservatively: a payment is deleted (with its provider notifications)
only if it is older than the retention, every allocation it has is on a purged invoice and
it was fully spent on them, so no balance changes. An old invoice settled in part by any
other payment (one with credit left, or one that also settled a kept invoice) is held back:
deleting its allocation would turn into credit the customer does not have.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from guichet.accounts.models import SecurityEvent, User
from guichet.billing.models import Invoice
from guichet.billing.periods import add_months
from guichet.billing.services import invoices_purge
from guichet.catalog.models import Subscription
from guichet.core.models import OutboxEmail, StaffAccess
from guichet.customers.models import Customer, Holder
from guichet.payments.balance import balance_for
from guichet.payments.models import (
    Allocation,
    Debit,
    Mandate,
    MandateAmendment,
    Payment,
    PaymentEvent,
)

from ..models import CustomerErasure, DataExport

logger = logging.getLogger(__name__)

ANONYMISED = "ANONYMISÉ"


@dataclass
class PurgeReport:
    security_events: int = 0
    staff_accesses: int = 0
    data_exports: int = 0
    outbox_emails: int = 0
    customers_anonymised: int = 0
    invoices: int = 0
    anonymised_references: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "security_events": self.security_events,
            "staff_accesses": self.staff_accesses,
            "data_exports": self.data_exports,
            "outbox_emails": self.outbox_emails,
            "customers_anonymised": self.customers_anonymised,
            "invoices": self.invoices,
        }


def _days_ago(now: datetime.datetime, days: int) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


def ended_contracts_due(now: datetime.datetime) -> list[Customer]:
    """Contracts whose every service ended more than the retention ago, nothing owed either
    way, not anonymised yet. A contract that never had a service is not « ended »."""
    last_day = timezone.localdate(now) - datetime.timedelta(
        days=settings.PRIVACY_ENDED_CONTRACT_RETENTION_DAYS
    )
    still_running = Subscription.objects.filter(customer=OuterRef("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=last_day)
    )
    candidates = Customer.objects.filter(
        Exists(Subscription.objects.filter(customer=OuterRef("pk"))),
        ~Exists(still_running),
        erasure__isnull=True,
    ).order_by("pk")
    due = []
    for customer in candidates:
        balance = balance_for(customer)
        if balance.owed_cents == 0 and balance.credit_cents == 0:
            due.append(customer)
    return due


def customer_anonymise(*, customer: Customer) -> None:
    """Erase a contract's personal data, keep what the law and the books need.

    The reference and the invoices stay (each invoice carries the name and address it was
    issued to, as the law asks); the record's contact details and addresses, its holders'
    names, its account (and so its security events) and its bank details go.
    """
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(
            installation_street=ANONYMISED,
            installation_street2="",
            installation_city=ANONYMISED,
            billing_street=ANONYMISED,
            billing_street2="",
            billing_city=ANONYMISED,
            contact_email="",
            phone_mobile="",
            phone_home="",
            phone_other="",
            invoice_email="",
            invoice_email_opt_in=False,
            updated_at=timezone.now(),
        )
        Holder.objects.filter(customer=customer).update(first_name="", last_name=ANONYMISED)
        User.objects.filter(customer=customer).delete()
        # A contract ended long ago has nothing left to debit: no active mandate stays.
        Mandate.objects.filter(customer=customer, status=Mandate.Status.ACTIVE).update(
            status=Mandate.Status.REVOKED, revoked_at=timezone.now()
        )
        Mandate.objects.filter(customer=customer).update(
            iban_encrypted="", account_holder=ANONYMISED
        )
        MandateAmendment.objects.filter(mandate__customer=customer).update(
            original_iban_encrypted=""
        )
        for export in DataExport.objects.for_customer(customer):
            _export_delete(export)
        CustomerErasure.objects.create(customer=customer)


def _export_delete(export: DataExport) -> None:
    name = export.file.name
    export.delete()
    if name:
        # After commit: a rollback must not leave a row whose file is gone.
        transaction.on_commit(lambda: default_storage.delete(name))


def invoice_retention_limit(now: datetime.datetime) -> datetime.date:
    """Invoices issued before this day are past their legal retention."""
    return add_months(timezone.localdate(now), -12 * settings.PRIVACY_INVOICE_RETENTION_YEARS)


def _invoices_due(limit: datetime.date) -> tuple[set[int], set[int], set[int]]:
    """(invoices to purge, invoices held back, payments to delete) for that limit."""
    old = set(Invoice.objects.filter(issue_date__lt=limit).values_list("pk", flat=True))
    if not old:
        return set(), set(), set()
    allocations = list(
        Allocation.objects.filter(payment__allocations__invoice_id__in=old)
        .distinct()
        .values_list("payment_id", "invoice_id")
    )
    touching = {payment_id for payment_id, _ in allocations}
    spent = dict(
        Allocation.objects.filter(payment_id__in=touching)
        .order_by()
        .values("payment_id")
        .annotate(total=Sum("amount_cents"))
        .values_list("payment_id", "total")
    )
    moment = datetime.datetime.combine(
        limit, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    deletable = set()
    for payment_id, amount, created_at in Payment.objects.filter(pk__in=touching).values_list(
        "pk", "amount_cents", "created_at"
    ):
        invoices = {invoice for paid_by, invoice in allocations if paid_by == payment_id}
        if invoices <= old and spent.get(payment_id) == amount and created_at < moment:
            deletable.add(payment_id)
    while True:
        held = {
            invoice
            for payment_id, invoice in allocations
            if invoice in old and payment_id not in deletable
        }
        # A debit of a kept invoice that names the payment keeps it too.
        named = set(
            Debit.objects.filter(payment_id__in=deletable)
            .exclude(invoice_id__in=old - held)
            .values_list("payment_id", flat=True)
        )
        if not named:
            return old - held, held, deletable
        deletable -= named


def _invoices_purge(limit: datetime.date) -> int:
    with transaction.atomic():
        purged, held, payments = _invoices_due(limit)
        if not purged:
            return 0
        Allocation.objects.filter(invoice_id__in=purged).delete()
        Debit.objects.filter(invoice_id__in=purged).delete()
        PaymentEvent.objects.filter(payment_id__in=payments).delete()
        Payment.objects.filter(pk__in=payments).delete()
        if held:
            logger.warning("Purge: %d old invoices held back by their payments", len(held))
        return invoices_purge(issued_before=limit, keep=held)


def purge_run(*, now: datetime.datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Apply every retention limit at `now`; with dry_run, only count what would go."""
    now = now or timezone.now()
    report = PurgeReport()
    events = SecurityEvent.objects.filter(
        created_at__lt=_days_ago(now, settings.PRIVACY_SECURITY_EVENT_RETENTION_DAYS)
    )
    accesses = StaffAccess.objects.filter(
        created_at__lt=_days_ago(now, settings.PRIVACY_STAFF_ACCESS_RETENTION_DAYS)
    )
    # An unsent e-mail is never purged: it may still be due (retries, a long outage).
    outbox = OutboxEmail.objects.filter(
        created_at__lt=_days_ago(now, settings.PRIVACY_OUTBOX_RETENTION_DAYS)
    ).exclude(status=OutboxEmail.Status.PENDING)
    exports = DataExport.objects.filter(
        Q(expires_at__lte=now)
        | Q(status=DataExport.Status.FAILED, created_at__lt=_days_ago(now, 1))
    )
    customers = ended_contracts_due(now)
    report.anonymised_references = [customer.reference for customer in customers]
    if dry_run:
        report.security_events = events.count()
        report.staff_accesses = accesses.count()
        report.outbox_emails = outbox.count()
        report.data_exports = exports.count()
        report.customers_anonymised = len(customers)
        report.invoices = len(_invoices_due(invoice_retention_limit(now))[0])
        return report
    for customer in customers:
        customer_anonymise(customer=customer)
        report.customers_anonymised += 1
    with transaction.atomic():
        for export in exports.select_for_update():
            _export_delete(export)
            report.data_exports += 1
    report.security_events = events.delete()[0]
    report.staff_accesses = accesses.delete()[0]
    report.outbox_emails = outbox.delete()[0]
    report.invoices = _invoices_purge(invoice_retention_limit(now))
    logger.info("Purge: %s", report.as_dict())
    return report
