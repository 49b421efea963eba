"""« Télécharger mes données » (I2): everything Guichet holds about one customer, as a ZIP.

The archive is built by a task, stored through Django's storage (never under a public URL),
served only to its owner by our view, and deleted when it expires (the purge).
"""

import datetime
import hashlib
import io
import json
import logging
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext, ngettext

from guichet.accounts.models import SecurityEvent, User
from guichet.accounts.services import security_event_record
from guichet.billing.models import Invoice
from guichet.billing.services import DocumentUnavailable, invoice_pdf_content
from guichet.catalog.models import Subscription
from guichet.core.emails import email_queue
from guichet.customers.models import Customer
from guichet.payments.models import Allocation, Mandate, MandateAmendment, Payment
from guichet.support.models import ContactAnswer, ContactRequest

from ..models import DataExport

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


def _rows(queryset, fields: list[str]) -> list[dict]:
    return [dict(row) for row in queryset.values(*fields)]


def _masked(last4: str) -> str:
    """Never the IBAN itself, not even in the customer's own archive: only its last four."""
    return f"•••• {last4}" if last4 else ""


def customer_data_collect(customer: Customer) -> dict:
    """Every record about `customer`, each read through the customer (nobody else's)."""
    user = User.objects.filter(customer=customer).first()
    mandates = list(Mandate.objects.for_customer(customer).order_by("created_at", "pk"))
    amendments = MandateAmendment.objects.filter(mandate__customer=customer).order_by("pk")
    data = {
        "format_version": FORMAT_VERSION,
        "generated_at": timezone.now(),
        "operator": settings.GUICHET_BRAND["name"],
        "customer": {
            field: getattr(customer, field)
            for field in (
                "reference",
                "contract_postal_code",
                "installation_street",
                "installation_street2",
                "installation_postal_code",
                "installation_city",
                "billing_street",
                "billing_street2",
                "billing_postal_code",
                "billing_city",
                "billing_country",
                "contact_email",
                "phone_mobile",
                "phone_home",
                "phone_other",
                "invoice_email",
                "invoice_email_opt_in",
                "language",
                "created_at",
                "updated_at",
            )
        },
        "holders": _rows(
            customer.holders.order_by("position", "pk"),
            ["civility", "first_name", "last_name", "position"],
        ),
        "account": (
            {
                "username": user.username,
                "identifier": user.identifier,
                "email": user.email,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
                "password_changed_at": user.password_changed_at,
            }
            if user
            else None
        ),
        "security_events": _rows(
            SecurityEvent.objects.filter(user__customer=customer).order_by("created_at", "pk"),
            ["kind", "created_at", "ip_address", "user_agent", "detail"],
        )
        if user
        else [],
        "subscriptions": _rows(
            Subscription.objects.for_customer(customer).order_by("start_date", "pk"),
            [
                "product__name",
                "product__kind",
                "start_date",
                "end_date",
                "line_number",
                "price_cents",
                "equipment",
                "created_at",
            ],
        ),
        "invoices": _rows(
            Invoice.objects.for_customer(customer).order_by("issue_date", "number"),
            [
                "number",
                "customer_reference",
                "customer_name",
                "billing_address",
                "period",
                "issue_date",
                "payment_method",
                "due_date",
                "total_excl_vat_cents",
                "total_vat_cents",
                "total_incl_vat_cents",
                "status",
                "paid_at",
                "pdf_sha256",
            ],
        ),
        "payments": _rows(
            Payment.objects.for_customer(customer).order_by("created_at", "pk"),
            [
                "reference",
                "method",
                "status",
                "amount_cents",
                "currency",
                "provider",
                "created_at",
                "confirmed_at",
            ],
        ),
        "allocations": _rows(
            Allocation.objects.filter(payment__customer=customer).order_by("pk"),
            ["payment__reference", "invoice__number", "amount_cents", "created_at"],
        ),
        "mandates": [
            {
                "rum": mandate.rum,
                "status": mandate.status,
                "signed_at": mandate.signed_at,
                "iban": _masked(mandate.iban_last4),
                "bic": mandate.bic,
                "account_holder": mandate.account_holder,
                "debit_day": mandate.debit_day,
                "revoked_at": mandate.revoked_at,
            }
            for mandate in mandates
        ],
        "mandate_amendments": [
            {
                "rum": amendment.mandate.rum,
                "original_iban": _masked(amendment.original_iban_last4),
                "original_bic": amendment.original_bic,
                "created_at": amendment.created_at,
            }
            for amendment in amendments.select_related("mandate")
        ],
        "data_exports": _rows(
            DataExport.objects.for_customer(customer).order_by("created_at", "pk"),
            ["status", "created_at", "ready_at", "expires_at"],
        ),
    }
    data.update(_support_data(customer))
    return data


def _support_data(customer: Customer) -> dict:
    """« Contactez-nous » requests and the answers staff wrote (never who wrote them)."""
    requests = ContactRequest.objects.for_customer(customer).order_by("created_at", "pk")
    return {
        "contact_requests": _rows(
            requests,
            [
                "reference",
                "request_type__label",
                "department__name",
                "message",
                "reply_email",
                "status",
                "created_at",
                "updated_at",
            ],
        ),
        "contact_answers": _rows(
            ContactAnswer.objects.filter(contact_request__customer=customer).order_by("pk"),
            ["contact_request__reference", "body", "created_at"],
        ),
    }


def _archive_bytes(customer: Customer) -> bytes:
    data = customer_data_collect(customer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        missing = []
        for invoice in Invoice.objects.for_customer(customer).order_by("issue_date", "number"):
            try:
                content = invoice_pdf_content(invoice=invoice)
            except DocumentUnavailable:
                missing.append(invoice.number)
                continue
            archive.writestr(f"factures/{invoice.pdf_filename}", content)
        data["invoice_pdfs_missing"] = missing
        archive.writestr(
            "mes-donnees.json",
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
    return buffer.getvalue()


def data_export_request(*, user: User, request=None) -> DataExport:
    """Record the customer's request, audited; the archive is built after commit by a task."""
    customer = user.customer
    now = timezone.now()
    with transaction.atomic():
        # One customer's requests are serialised here, so the daily count cannot be raced.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        exports = DataExport.objects.for_customer(customer)
        if exports.in_progress().exists():
            raise ValidationError(
                gettext("Votre archive est déjà en préparation : vous recevrez un e-mail.")
            )
        daily_max = settings.PRIVACY_EXPORT_DAILY_MAX
        if exports.filter(created_at__gt=now - datetime.timedelta(days=1)).count() >= daily_max:
            raise ValidationError(
                ngettext(
                    "Vous avez déjà demandé %(count)d archive ces dernières 24 heures : "
                    "réessayez demain.",
                    "Vous avez déjà demandé %(count)d archives ces dernières 24 heures : "
                    "réessayez demain.",
                    daily_max,
                )
                % {"count": daily_max}
            )
        try:
            with transaction.atomic():
                export = DataExport.objects.create(customer=customer, created_at=now)
        except IntegrityError:
            raise ValidationError(
                gettext("Votre archive est déjà en préparation : vous recevrez un e-mail.")
            ) from None
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.DATA_EXPORT_REQUESTED,
            request=request,
            detail=f"export {export.pk}",
        )
        transaction.on_commit(lambda: _build_later(export.pk))
    return export


def _build_later(export_id: int) -> None:
    from ..tasks import build_data_export

    build_data_export.delay(export_id)


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the archive of a pending request; idempotent (a claimed or built one is skipped)."""
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.PENDING).update(
        status=DataExport.Status.BUILDING
    )
    if not claimed:
        return None
    export = DataExport.objects.select_related("customer").get(pk=export_id)
    customer = export.customer
    try:
        content = _archive_bytes(customer)
        name = default_storage.save(
            f"privacy/exports/{customer.reference}/{get_random_string(24)}.zip",
            ContentFile(content),
        )
    except Exception:
        logger.exception("Data export %s of customer %s failed", export.pk, customer.reference)
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED)
        raise
    now = timezone.now()
    export.file = name
    export.sha256 = hashlib.sha256(content).hexdigest()
    export.size = len(content)
    export.status = DataExport.Status.READY
    export.ready_at = now
    export.expires_at = now + datetime.timedelta(days=settings.PRIVACY_EXPORT_DAYS)
    with transaction.atomic():
        export.save(update_fields=["file", "sha256", "size", "status", "ready_at", "expires_at"])
        recipient = customer.contact_email or getattr(
            User.objects.filter(customer=customer).first(), "email", ""
        )
        if recipient:
            email_queue(
                to=recipient,
                template="data_export_ready",
                context={
                    "customer": customer,
                    "expires_at": export.expires_at,
                    "days": settings.PRIVACY_EXPORT_DAYS,
                    "page_url": settings.GUICHET_SITE_URL + reverse("privacy:export"),
                },
                language=customer.language,
            )
    return export


class ArchiveUnavailable(Exception):
    """The stored archive is gone or no longer matches its checksum."""


def data_export_content(*, export: DataExport) -> bytes:
    """The archive's bytes, checked against the SHA-256 recorded when it was built."""
    try:
        with default_storage.open(export.file.name, "rb") as stored:
            content = stored.read()
    except FileNotFoundError:
        raise ArchiveUnavailable(export.pk) from None
    except Exception:
        # The storage itself failed (a bucket that does not answer): unavailable, not a 500.
        logger.exception("Data export %s: the storage failed to give the archive", export.pk)
        raise ArchiveUnavailable(export.pk) from None
    if hashlib.sha256(content).hexdigest() != export.sha256:
        logger.error("Data export %s: stored archive does not match its SHA-256", export.pk)
        raise ArchiveUnavailable(export.pk)
    return content
