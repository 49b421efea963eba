"""The retention purge (I3): what is kept past its time is deleted or anonymised.

Each limit is a setting the policy page shows (guichet/privacy/retention.py), so what the
customer reads is what this does. Issued invoices are never deleted: the law asks for them
(10 years), and the database refuses any change to them (billing's triggers).
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from guichet.accounts.models import SecurityEvent, User
from guichet.catalog.models import Subscription
from guichet.core.models import OutboxEmail, StaffAccess
from guichet.customers.models import Customer, Holder
from guichet.payments.balance import balance_for
from guichet.payments.models import Mandate, MandateAmendment

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
    anonymised_references: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "security_events": self.security_events,
            "staff_accesses": self.staff_accesses,
            "data_exports": self.data_exports,
            "outbox_emails": self.outbox_emails,
            "customers_anonymised": self.customers_anonymised,
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
    logger.info("Purge: %s", report.as_dict())
    return report
