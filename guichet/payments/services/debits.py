"""SEPA direct debit files (F6): exporting a debit date's invoices, collecting, rejecting.

`debit_export` writes one pain.008.001.08 file (guichet.payments.sepa) for the open direct
debit invoices due on a date whose customer has an active mandate and which no live debit
carries yet. The file is validated against the XSD before anything is recorded: a file that
does not validate raises SepaFileInvalid and the whole export is rolled back, so no file is
ever stored or offered that a bank would refuse on its form.

Each debit gets a pending direct debit Payment; the money is there at the collection date,
when `debit_collections_confirm` (a daily task) confirms it through the ledger, which
settles the invoice. A rejected debit (`debit_reject`, with its R-transaction reason code)
takes its payment back out of the ledger (`payment_reverse`), reopens the invoice and tells
the customer.

Pre-notification: a customer learns the amount and date of a debit with their invoice (its
PDF and the « facture disponible » e-mail say « Prélèvement prévu le … »). An invoice recorded
less than DEBIT_NOTICE_DAYS before the debit date was not announced in time and is left out
of the file (reported to whoever exports).
"""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from schwifty import IBAN

from guichet.billing.models import Invoice
from guichet.billing.services import invoice_debit_sent, invoice_reopen
from guichet.billing.terms import DEBIT_NOTICE_DAYS
from guichet.core.emails import email_queue
from guichet.core.formatting import format_date
from guichet.customers.models import Customer

from ..iban import iban_decrypt
from ..models import Allocation, Debit, DebitBatch, Mandate, MandateAmendment, Payment
from ..sepa import SMNDA, Creditor, DebitLine, pain008_build, pain008_validate
from .ledger import ledger_settle, payment_confirm, payment_reference_new, payment_refuse

logger = logging.getLogger(__name__)

# The R-transaction reason codes of the EPC's SDD Core rulebook (ISO 20022 external codes)
# that a bank reports for a debit it returned, refused or rejected.
REJECT_REASONS = {
    "AC01": gettext_lazy("Numéro de compte incorrect"),
    "AC04": gettext_lazy("Compte clôturé"),
    "AC06": gettext_lazy("Compte bloqué"),
    "AC13": gettext_lazy("Type de compte du débiteur non valable"),
    "AG01": gettext_lazy("Prélèvement interdit sur ce compte"),
    "AG02": gettext_lazy("Code d'opération incorrect"),
    "AM04": gettext_lazy("Provision insuffisante"),
    "AM05": gettext_lazy("Opération en double"),
    "BE05": gettext_lazy("Créancier non reconnu"),
    "CNOR": gettext_lazy("Banque du créancier injoignable"),
    "DNOR": gettext_lazy("Banque du débiteur injoignable"),
    "FF01": gettext_lazy("Format du fichier non valable"),
    "MD01": gettext_lazy("Absence de mandat"),
    "MD02": gettext_lazy("Données du mandat manquantes ou incorrectes"),
    "MD06": gettext_lazy("Remboursement demandé par le débiteur"),
    "MD07": gettext_lazy("Débiteur décédé"),
    "MS02": gettext_lazy("Refus du débiteur"),
    "MS03": gettext_lazy("Motif non communiqué par la banque"),
    "RC01": gettext_lazy("BIC incorrect"),
    "RR01": gettext_lazy("Identification du débiteur manquante (réglementaire)"),
    "RR02": gettext_lazy("Nom ou adresse du débiteur manquant (réglementaire)"),
    "RR03": gettext_lazy("Nom ou adresse du créancier manquant (réglementaire)"),
    "RR04": gettext_lazy("Motif réglementaire"),
    "SL01": gettext_lazy("Service particulier de la banque du débiteur"),
}


@dataclass(frozen=True)
class Excluded:
    """An invoice due on the date that the file does not carry, and why."""

    invoice_id: int
    number: str
    reason: str


@dataclass
class ExportResult:
    batch: DebitBatch | None = None
    excluded: list[Excluded] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.batch.count if self.batch else 0


def creditor_from_settings() -> Creditor:
    """The operator as creditor; ValidationError naming what the settings lack."""
    missing = [
        name
        for name in ("PAYMENTS_CREDITOR_ID", "PAYMENTS_CREDITOR_IBAN", "PAYMENTS_CREDITOR_NAME")
        if not getattr(settings, name, "")
    ]
    if missing:
        raise ValidationError(
            _("Fichier de prélèvements impossible : renseignez %(settings)s.")
            % {"settings": ", ".join(missing)}
        )
    return Creditor(
        name=settings.PAYMENTS_CREDITOR_NAME,
        iban=settings.PAYMENTS_CREDITOR_IBAN,
        bic=getattr(settings, "PAYMENTS_CREDITOR_BIC", ""),
        creditor_id=settings.PAYMENTS_CREDITOR_ID,
    )


def announced_on(invoice: Invoice) -> datetime.date:
    """When the customer could first read the debit's amount and date: the invoice date, or
    the day it was recorded if later (an import of older invoices announces nothing early)."""
    return max(invoice.issue_date, timezone.localdate(invoice.created_at))


def debit_export(*, debit_date: datetime.date, created_by: str = "") -> ExportResult:
    """Write the pain.008 file of `debit_date`; ExportResult.batch is None if nothing is due.

    Raises ValidationError for a date the bank cannot take or settings that are missing, and
    SepaFileInvalid (everything rolled back) if the file does not validate.
    """
    creditor = creditor_from_settings()
    if debit_date <= timezone.localdate():
        raise ValidationError(
            _(
                "La date de prélèvement doit être postérieure à aujourd'hui : la banque "
                "reçoit le fichier avant l'échéance."
            )
        )
    result = ExportResult()
    with transaction.atomic():
        due = Invoice.objects.filter(
            payment_method=Invoice.PaymentMethod.DIRECT_DEBIT,
            due_date=debit_date,
            status=Invoice.Status.ISSUED,
        ).exclude(pk__in=Debit.objects.filter(status=Debit.Status.EXPORTED).values("invoice"))
        # Locked: a second export running at the same time waits, then finds them taken.
        invoices = list(due.select_for_update().order_by("customer_id", "issue_date", "number"))
        # Subqueries rather than lists of ids: a file may carry 100,000 invoices.
        mandates = {
            mandate.customer_id: mandate
            for mandate in Mandate.objects.select_for_update()
            .active()
            .filter(customer_id__in=due.values("customer_id"))
        }
        allocated = dict(
            Allocation.objects.filter(invoice__in=due.values("pk"))
            .values("invoice")
            .annotate(total=Sum("amount_cents"))
            .values_list("invoice", "total")
        )
        earlier_debits = dict(
            Debit.objects.filter(invoice__in=due.values("pk"))
            .values("invoice")
            .annotate(n=Count("pk"))
            .values_list("invoice", "n")
        )

        chosen: list[tuple[Invoice, Mandate, int]] = []
        for invoice in invoices:
            mandate = mandates.get(invoice.customer_id)
            amount = invoice.total_incl_vat_cents - allocated.get(invoice.pk, 0)
            notice_days = (debit_date - announced_on(invoice)).days
            reason = ""
            if mandate is None:
                reason = _("pas de mandat de prélèvement actif")
            elif amount <= 0:
                reason = _("rien à prélever (déjà réglée)")
            elif notice_days < DEBIT_NOTICE_DAYS:
                reason = ngettext(
                    "annoncée %(days)s jour seulement avant le prélèvement (%(minimum)s au moins)",
                    "annoncée %(days)s jours seulement avant le prélèvement (%(minimum)s au moins)",
                    notice_days,
                ) % {"days": notice_days, "minimum": DEBIT_NOTICE_DAYS}
            if reason:
                result.excluded.append(Excluded(invoice.pk, invoice.number, reason))
            else:
                chosen.append((invoice, mandate, amount))
        if not chosen:
            return result

        amendments = _amendments_unreported(due.values("customer_id"))
        message_id = f"GUICHET-{debit_date:%Y%m%d}-{secrets.token_hex(6).upper()}"
        lines: list[DebitLine] = []
        in_file: set[int] = set()
        for invoice, mandate, amount in chosen:
            iban = iban_decrypt(mandate.iban_encrypted)
            # One FRST per mandate: a second invoice of the same customer on the same date is
            # already a recurrent collection of the mandate.
            first = not mandate.first_debit_done and mandate.pk not in in_file
            in_file.add(mandate.pk)
            amendment = amendments.get(mandate.pk)
            lines.append(
                DebitLine(
                    end_to_end_id=f"{invoice.number}-{earlier_debits.get(invoice.pk, 0) + 1}",
                    amount_cents=amount,
                    sequence_type=(
                        Debit.SequenceType.FIRST if first else Debit.SequenceType.RECURRENT
                    ),
                    mandate_id=mandate.rum,
                    mandate_signed_on=timezone.localdate(mandate.signed_at),
                    debtor_name=mandate.account_holder,
                    iban=iban,
                    bic=mandate.bic,
                    remittance=_remittance(invoice),
                    # A mandate never debited has nothing to amend at the bank: its first
                    # debit carries the current account (the amendment is consumed all the same).
                    amended_from=(
                        _original(amendment, iban)
                        if amendment is not None and mandate.first_debit_done
                        else None
                    ),
                )
            )
        content = pain008_build(
            creditor=creditor, collection_date=debit_date, message_id=message_id, lines=lines
        )
        pain008_validate(content)  # raises: nothing below happens for an invalid file

        batch = DebitBatch(
            debit_date=debit_date,
            message_id=message_id,
            sha256=hashlib.sha256(content).hexdigest(),
            count=len(lines),
            total_cents=sum(line.amount_cents for line in lines),
            created_by=created_by,
        )
        batch.full_clean(exclude=["file"])
        batch.save()
        payments = Payment.objects.bulk_create(
            Payment(
                customer_id=invoice.customer_id,
                reference=payment_reference_new(),
                method=Payment.Method.DIRECT_DEBIT,
                amount_cents=amount,
                provider="sepa",
                provider_reference=line.end_to_end_id,
            )
            for (invoice, _mandate, amount), line in zip(chosen, lines, strict=True)
        )
        Debit.objects.bulk_create(
            Debit(
                batch=batch,
                invoice=invoice,
                mandate=mandate,
                payment=payment,
                amount_cents=amount,
                sequence_type=line.sequence_type,
                end_to_end_id=line.end_to_end_id,
            )
            for (invoice, mandate, amount), line, payment in zip(
                chosen, lines, payments, strict=True
            )
        )
        Mandate.objects.filter(pk__in=in_file, first_debit_done=False).update(first_debit_done=True)
        MandateAmendment.objects.filter(
            pk__in=[amendments[pk].pk for pk in in_file if pk in amendments]
        ).update(reported_in=batch)
        invoice_debit_sent(invoice_ids=[invoice.pk for invoice, _, _ in chosen])
        # Written last: a failure above leaves no file behind.
        batch.file.save(f"prelevements/{message_id}.xml", ContentFile(content), save=False)
        batch.save(update_fields=["file"])
        result.batch = batch
    return result


def _remittance(invoice: Invoice) -> str:
    """What the debtor's bank statement shows: in the operator's language, whoever exports."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Facture %(number)s du %(date)s") % {
            "number": invoice.number,
            "date": format_date(invoice.issue_date),
        }


def _amendments_unreported(customer_ids) -> dict[int, MandateAmendment]:
    """Per mandate, its oldest unreported amendment: its original account is the one the
    debtor's bank knows from the last debit. Every one of them is reported by this file."""
    found: dict[int, MandateAmendment] = {}
    for amendment in MandateAmendment.objects.filter(
        mandate__customer_id__in=customer_ids,
        mandate__status=Mandate.Status.ACTIVE,
        reported_in__isnull=True,
    ).order_by("created_at", "pk"):
        found.setdefault(amendment.mandate_id, amendment)
    return found


def _original(amendment: MandateAmendment, current_iban: str) -> str | None:
    """What the file says of the account before the change: its IBAN when the debtor stayed
    with the same bank, SMNDA when they moved to another one or the original is unreadable
    (the EPC rulebook's « Same Mandate New Debtor Agent »); None if nothing changed."""
    try:
        original = iban_decrypt(amendment.original_iban_encrypted)
        before, after = IBAN(original), IBAN(current_iban)
    except ValueError:
        return SMNDA
    if original == current_iban:
        return None
    same_bank = (before.country_code, before.bank_code) == (after.country_code, after.bank_code)
    return original if same_bank else SMNDA


def debit_collections_confirm(*, today: datetime.date | None = None) -> int:
    """Confirm the payments of debits whose collection date has come (the money is credited
    on that date unless the bank rejects it later); returns how many. Run daily."""
    today = today or timezone.localdate()
    payment_ids = Debit.objects.filter(
        status=Debit.Status.EXPORTED,
        batch__debit_date__lte=today,
        payment__status=Payment.Status.PENDING,
    ).values_list("payment_id", "batch__debit_date")
    confirmed = 0
    for payment_id, debit_date in payment_ids:
        at = timezone.make_aware(datetime.datetime.combine(debit_date, datetime.time(12)))
        confirmed += payment_confirm(payment_id=payment_id, confirmed_at=at)
    return confirmed


def payment_reverse(*, payment_id: int) -> bool:
    """Take a payment back out of the ledger: a pending one is refused; a confirmed one is
    refused too, its allocations removed and the invoices it had settled reopened. True if
    this call did it. The customer's row is locked first, as every ledger write does."""
    customer_id = (
        Payment.objects.filter(pk=payment_id).values_list("customer_id", flat=True).first()
    )
    if customer_id is None:
        return False
    with transaction.atomic():
        Customer.objects.select_for_update().get(pk=customer_id)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == Payment.Status.PENDING:
            return payment_refuse(payment_id=payment_id)
        if payment.status != Payment.Status.CONFIRMED:
            return False
        settled = list(payment.allocations.values_list("invoice_id", flat=True))
        payment.allocations.all().delete()
        payment.status = Payment.Status.REFUSED
        payment.confirmed_at = None
        payment.save(update_fields=["status", "confirmed_at", "updated_at"])
        for invoice_id in settled:
            invoice_reopen(invoice_id=invoice_id)
        # Other money of the customer (credit) may settle them again at once.
        ledger_settle(customer_id=customer_id)
    return True


def debit_reject(*, debit_id: int, reason: str) -> Debit:
    """Record the bank's rejection of a debit (R-transaction `reason`, e.g. AM04): its payment
    is reversed, the invoice is to pay again, the customer is told by e-mail."""
    code = (reason or "").strip().upper()
    if code not in REJECT_REASONS:
        raise ValidationError(
            {
                "reason": _("Code de rejet « %(code)s » inconnu : codes admis %(codes)s.")
                % {"code": reason, "codes": ", ".join(REJECT_REASONS)}
            }
        )
    customer_id = (
        Debit.objects.filter(pk=debit_id).values_list("invoice__customer_id", flat=True).first()
    )
    if customer_id is None:
        raise ValidationError(_("Ce prélèvement n'existe pas."))
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        debit = (
            Debit.objects.select_for_update().select_related("batch", "invoice").get(pk=debit_id)
        )
        if debit.status == Debit.Status.REJECTED:
            raise ValidationError(
                _("Ce prélèvement est déjà rejeté (%(code)s).") % {"code": debit.reject_reason}
            )
        debit.status = Debit.Status.REJECTED
        debit.reject_reason = code
        debit.rejected_at = timezone.now()
        debit.full_clean()
        debit.save(update_fields=["status", "reject_reason", "rejected_at"])
        if debit.payment_id:
            payment_reverse(payment_id=debit.payment_id)
        invoice_reopen(invoice_id=debit.invoice_id)
        ledger_settle(customer_id=customer_id)
        mandate_debits = Debit.objects.filter(mandate_id=debit.mandate_id)
        if (
            debit.sequence_type == Debit.SequenceType.FIRST
            and not mandate_debits.filter(status=Debit.Status.EXPORTED).exists()
        ):
            # The rulebook: after a rejected first collection, the next one is FRST again.
            Mandate.objects.filter(pk=debit.mandate_id).update(first_debit_done=False)
        if not mandate_debits.filter(
            batch_id=debit.batch_id, status=Debit.Status.EXPORTED
        ).exists():
            # No debit of that file reached the account: the bank never recorded the change of
            # account the file reported, so the next file reports it again.
            MandateAmendment.objects.filter(
                mandate_id=debit.mandate_id, reported_in=debit.batch_id
            ).update(reported_in=None)
        to = customer.contact_email or customer.invoice_email
        if to:
            email_queue(
                to=to,
                template="debit_rejected",
                context={
                    "invoice": debit.invoice,
                    "amount_cents": debit.amount_cents,
                    "debit_date": debit.batch.debit_date,
                    "reason": REJECT_REASONS[code],
                    "invoices_url": settings.GUICHET_SITE_URL + reverse("billing:invoices"),
                },
                language=customer.language,
            )
    return debit


def debit_file_content(*, batch: DebitBatch) -> bytes | None:
    """The stored file if it still matches the checksum taken when it was validated; None if
    it is missing or changed since (never hand the bank a file nobody validated)."""
    if not batch.file:
        return None
    try:
        with batch.file.open("rb") as stored:
            content = stored.read()
    except FileNotFoundError:
        logger.error("Debit file %s is missing from storage", batch.file.name)
        return None
    except Exception:
        # Any storage (a local folder, an S3-compatible bucket) may fail: no file, not a 500.
        logger.exception("Debit file %s could not be read from storage", batch.file.name)
        return None
    if hashlib.sha256(content).hexdigest() != batch.sha256:
        logger.error("Debit file %s does not match its SHA-256", batch.file.name)
        return None
    return content
