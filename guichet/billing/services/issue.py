"""Issuing an invoice from one validated draft, and settling it."""

import datetime
import functools
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from guichet.core.emails import email_context_builder, email_defer, email_queue
from guichet.core.models import OutboxEmail
from guichet.customers.models import Customer

from ..models import Invoice, InvoiceLine, LineGroup
from ..money import BP, excl_vat, prorate, split_vat, vat_of
from ..numbering import invoice_number_next

logger = logging.getLogger(__name__)

SELLER_FIELDS = ("name", "address_lines", "siren", "vat_number", "legal", "payment_terms")
# What the invoice PDF shows of settings.GUICHET_BRAND, kept in Invoice.snapshot.
BRAND_FIELDS = ("name", "portal_name", "primary", "accent")
# A number given from outside (the import): what fits the column and a URL without escaping.
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")
LABEL_MAX_LENGTH = InvoiceLine._meta.get_field("label").max_length
# Not settled yet: to pay, or carried by a debit file whose money has not arrived.
OPEN_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.DEBIT_SENT)
# Django builds a choices class's `values` afresh at each call: a billing run checks
# thousands of drafts.
LINE_GROUPS = frozenset(LineGroup.values)
PAYMENT_METHODS = frozenset(Invoice.PaymentMethod.values)
STATUSES = frozenset(Invoice.Status.values)
# The « facture disponible » e-mail: templates/emails/invoice_available.*
NOTIFICATION = "invoice_available"


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
        """What makes this line impossible to write, in the operator's language."""
        errors = []
        if self.group not in LINE_GROUPS:
            errors.append(
                _("rubrique « %(group)s » inconnue (%(groups)s)")
                % {"group": self.group, "groups": ", ".join(LineGroup.values)}
            )
        if not self.label.strip():
            errors.append(_("désignation (label) vide"))
        elif len(self.label) > LABEL_MAX_LENGTH:
            errors.append(
                _("désignation (label) : %(max)s caractères au plus") % {"max": LABEL_MAX_LENGTH}
            )
        if not 0 <= self.vat_rate_bp <= BP:
            errors.append(_("taux de TVA hors de 0 à 100 %"))
        if self.quantity < 1:
            errors.append(_("quantité inférieure à 1"))
        if self.period_end < self.period_start:
            errors.append(_("période de la ligne inversée (fin avant début)"))
        excl, vat, incl = self.amount_excl_vat_cents, self.vat_cents, self.amount_incl_vat_cents
        if excl + vat != incl:
            errors.append(
                _("HT %(excl)s + TVA %(vat)s ≠ TTC %(incl)s (centimes)")
                % {"excl": excl, "vat": vat, "incl": incl}
            )
        elif 0 <= self.vat_rate_bp <= BP and abs(vat - vat_of(excl, self.vat_rate_bp)) > 1:
            # Prices derived from the TTC are never more than a cent off (money.py).
            errors.append(
                _(
                    "TVA %(vat)s incohérente avec le taux sur un HT de %(excl)s "
                    "(attendu %(expected)s)"
                )
                % {"vat": vat, "excl": excl, "expected": vat_of(excl, self.vat_rate_bp)}
            )
        if (self.prorata_days is None) != (self.prorata_base_days is None) or (
            self.prorata_days is not None and not 0 <= self.prorata_days <= self.prorata_base_days
        ):
            errors.append(_("prorata incohérent"))
        return errors


@dataclass(frozen=True)
class InvoiceDraft:
    """Everything an invoice says before it is issued, checked by `validate()`.

    The billing run and the import both build one; `invoice_issue` writes it.
    """

    customer: Customer
    period: datetime.date
    issue_date: datetime.date
    payment_method: str
    due_date: datetime.date
    lines: Sequence[LineDraft]
    source: str
    # None: the next number of the operator's sequence, taken when the invoice is written.
    number: str | None = None
    status: str = Invoice.Status.ISSUED
    paid_at: datetime.datetime | None = None

    def problems(self) -> list[tuple[int | None, str]]:
        """Every reason the draft cannot be issued: (line position or None, message).

        Checks the draft alone, without the database; uniqueness (one invoice per customer
        and period, a number used once) is the database's to enforce.
        """
        found: list[tuple[int | None, str]] = []
        if self.number is not None:
            if not NUMBER.fullmatch(self.number):
                found.append((None, _("numéro : 1 à 30 lettres, chiffres, - ou _ (sans espace)")))
            elif _is_sequence_number(self.number):
                found.append(
                    (
                        None,
                        _(
                            "numéro : « %(number)s » a la forme des numéros de la facturation "
                            "mensuelle de Guichet ; donnez à vos factures importées un autre "
                            "préfixe"
                        )
                        % {"number": self.number},
                    )
                )
        if self.period.day != 1:
            found.append((None, _("la période est un mois : son premier jour")))
        if self.payment_method not in PAYMENT_METHODS:
            found.append((None, _("mode de paiement inconnu")))
        if self.due_date < self.issue_date:
            found.append((None, _("l'échéance (due_date) précède la date de facture (issue_date)")))
        if self.status not in STATUSES:
            found.append((None, _("état inconnu")))
        elif (self.status == Invoice.Status.PAID) != (self.paid_at is not None):
            found.append(
                (None, _("une facture payée a une date de paiement (paid_date), et seulement elle"))
            )
        if not self.lines:
            found.append((None, _("une facture a au moins une ligne")))
        for position, line in enumerate(self.lines, 1):
            found.extend((position, error) for error in line.errors())
        if not found and sum(line.amount_incl_vat_cents for line in self.lines) < 0:
            found.append((None, _("total négatif : un avoir ne s'émet pas comme une facture")))
        return found

    def validate(self) -> None:
        """Raise ValidationError with every problem of `problems()`, lines numbered from 1."""
        problems = self.problems()
        if problems:
            raise ValidationError(
                [
                    message
                    if position is None
                    else _("ligne %(position)s : %(error)s")
                    % {"position": position, "error": message}
                    for position, message in problems
                ]
            )


def invoice_issue(*, draft: InvoiceDraft, notify: bool = True, render_pdf: bool = True) -> Invoice:
    """Write an invoice and its lines; from then on they never change.

    Without a number in the draft, the next number of the operator's sequence is taken
    inside this transaction, under the counter's row lock. The « facture disponible » e-mail
    is queued in the same transaction (if the customer asked for it), in the customer's
    language, and the PDF is rendered by a task once it commits.
    """
    invoice, lines = invoice_build(draft=draft, snapshot=invoice_snapshot())
    customer = draft.customer

    with transaction.atomic():
        if draft.number is None:
            invoice.number = invoice_number_next()
        invoice.save()
        for line in lines:
            line.invoice = invoice
        InvoiceLine.objects.bulk_create(lines)
        if notify and customer.invoice_email_opt_in and customer.invoice_email:
            _notification_queue(invoice, to=customer.invoice_email, language=customer.language)
        if render_pdf:
            # Robust: a PDF that fails to render now is rendered when first opened.
            transaction.on_commit(lambda: _enqueue_pdf(invoice.pk), robust=True)
        if settings.BILLING_INVOICE_ISSUED:
            # Whoever keeps the ledger (payments, which billing never imports) settles the new
            # invoice from a credit the customer has, once it is committed. Robust: a failure
            # leaves the credit for the next settlement, never undoes the invoice.
            transaction.on_commit(
                lambda: import_string(settings.BILLING_INVOICE_ISSUED)(
                    invoice_id=invoice.pk, customer_id=customer.pk
                ),
                robust=True,
            )
    return invoice


def invoice_snapshot() -> dict:
    """What an invoice's PDF shows beyond its own columns and may change later: the brand
    (name, portal, colours) and the logo, as a data URI (an SVG of a few hundred bytes).

    Taken once per issue or per chunk of a billing run, stored on every invoice.
    """
    from .pdf import logo_data_uri  # pdf renders from what this stores

    brand = settings.GUICHET_BRAND
    return {
        "brand": {key: str(brand[key]) for key in BRAND_FIELDS},
        "logo": logo_data_uri(settings.BILLING_OPERATOR["logo"]),
    }


def invoice_build(
    *, draft: InvoiceDraft, snapshot: dict, run_id: int | None = None
) -> tuple[Invoice, list[InvoiceLine]]:
    """The unsaved invoice and lines a validated draft stands for, checked as they will be
    written (ValidationError otherwise): `invoice_issue` saves one, the billing run many at
    once. The number is left empty when the sequence gives it."""
    draft.validate()
    customer = draft.customer
    invoice = Invoice(
        number=draft.number or "",
        customer=customer,
        customer_reference=customer.reference,
        customer_name=customer.display_name or customer.reference,
        billing_address="\n".join(customer.billing_address_lines),
        seller={key: settings.BILLING_OPERATOR[key] for key in SELLER_FIELDS},
        snapshot=snapshot,
        run_id=run_id,
        period=draft.period,
        issue_date=draft.issue_date,
        payment_method=draft.payment_method,
        due_date=draft.due_date,
        total_excl_vat_cents=sum(line.amount_excl_vat_cents for line in draft.lines),
        total_vat_cents=sum(line.vat_cents for line in draft.lines),
        total_incl_vat_cents=sum(line.amount_incl_vat_cents for line in draft.lines),
        source=draft.source,
        status=draft.status,
        paid_at=draft.paid_at,
    )
    # The fields' own limits; uniqueness and check constraints are the database's to enforce
    # (the draft checked the rules they stand for, so a violation is a race or a bug).
    # full_clean only when a quick look finds something it may refuse: its messages then.
    exclude = ["customer", "run", "pdf"] + (["number"] if draft.number is None else [])
    if not fields_fit(invoice, exclude=exclude):
        invoice.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    lines = [
        InvoiceLine(
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
        for position, line in enumerate(draft.lines, 1)
    ]
    return invoice, lines


def fields_fit(instance: models.Model, *, exclude: Sequence[str] = ()) -> bool:
    """True when `full_clean(exclude=exclude)` would find nothing wrong in the fields' values
    (its unique and check constraints apart), by a quick look at each: type, length, choices,
    blank and null; the billing run checks thousands of invoices. False means « maybe not »:
    ask full_clean, for its verdict and its messages. A field of a kind not known here, or
    with validators of its own, is always « maybe not »."""
    for field in _checked_fields(type(instance)):
        if field.name in exclude:
            continue
        value = getattr(instance, field.attname)
        if value in _EMPTY_VALUES:
            # full_clean skips an empty value (None, "", [], (), {}) of a field that may be
            # blank, refuses it else.
            if field.blank:
                continue
            return False
        kind = field.get_internal_type()
        if kind in ("CharField", "TextField"):
            if not isinstance(value, str):  # a TextChoices member is one
                return False
            if field.max_length is not None and len(value) > field.max_length:
                return False
            if field.choices is not None and value not in _choices(field):
                return False
        elif kind == "BigIntegerField":
            if not isinstance(value, int) or isinstance(value, bool):
                return False
            if not -(2**63) <= value < 2**63:
                return False
        elif kind == "DateField":
            if type(value) is not datetime.date:
                return False
        elif kind == "DateTimeField":
            if not isinstance(value, datetime.datetime):
                return False
        elif kind == "JSONField":
            try:
                json.dumps(value, cls=field.encoder)
            except (TypeError, ValueError):
                return False
        else:
            return False
    return True


# What full_clean checks a value against beyond its kind: its length and its range.
_PLAIN_VALIDATORS = (
    validators.MaxLengthValidator,
    validators.MinValueValidator,
    validators.MaxValueValidator,
)


# What full_clean takes for « empty » (Field.empty_values).
_EMPTY_VALUES = tuple(models.Field.empty_values)


@functools.cache
def _checked_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields full_clean validates (an auto primary key is blank, it skips it)."""
    checked = []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.blank:
            continue
        if not all(isinstance(validator, _PLAIN_VALIDATORS) for validator in field.validators):
            # Validators of its own (an e-mail, a phone number): full_clean's to run.
            field = _NeverFits(field.name, field.attname)
        checked.append(field)
    return checked


class _NeverFits:
    """Stands for a field only full_clean may judge."""

    blank = False
    choices = None

    def __init__(self, name: str, attname: str) -> None:
        self.name, self.attname = name, attname

    def get_internal_type(self) -> str:
        return "unknown"


@functools.cache
def _choices(field: models.Field) -> frozenset:
    return frozenset(key for key, _label in field.flatchoices)


def invoice_notification_send(*, invoice: Invoice) -> str:
    """Send the « facture disponible » e-mail of an issued invoice again (staff, issue 11):
    to the customer's invoice address, else their contact address; returns the address."""
    customer = invoice.customer
    to = customer.invoice_email or customer.contact_email
    if not to:
        raise ValidationError(
            _("Ce client n'a ni e-mail de notification des factures ni e-mail de contact."),
            code="no_email",
        )
    with transaction.atomic():
        _notification_queue(invoice, to=to, language=customer.language, resent_by_staff=True)
    return to


def _notification_queue(
    invoice: Invoice, *, to: str, language: str, resent_by_staff: bool = False
) -> None:
    email_queue(**_notification(invoice, to=to, language=language, resent_by_staff=resent_by_staff))


def invoice_notification_defer(*, invoice_id: int, to: str, language: str) -> OutboxEmail:
    """The unsaved « facture disponible » e-mail of an issued invoice (for `email_queue_many`),
    rendered by the worker that sends it: the same e-mail as `_notification_queue` writes."""
    return email_defer(
        to=to, template=NOTIFICATION, args={"invoice_id": invoice_id}, language=language
    )


@email_context_builder("invoice_available")
def _notification_context(*, invoice_id: int) -> dict:
    """The context of an e-mail of `invoice_notification_defer`, when it leaves."""
    invoice = Invoice.objects.get(pk=invoice_id)
    return _notification(invoice, to="", language="")["context"]


def _notification_contexts(args: list[dict]) -> list[dict]:
    """The same for many e-mails, their invoices read at once (an invoice gone: all fail,
    then each is tried alone)."""
    invoices = Invoice.objects.in_bulk([arg["invoice_id"] for arg in args])
    return [
        _notification(invoices[arg["invoice_id"]], to="", language="")["context"] for arg in args
    ]


_notification_context.many = _notification_contexts


def invoices_issued_hook(invoices: list[tuple[int, int]]) -> None:
    """settings.BILLING_INVOICE_ISSUED for many (invoice id, customer id) pairs: its variant
    for many when it has one (decision 0008), else invoice by invoice."""
    hook = import_string(settings.BILLING_INVOICE_ISSUED)
    many = getattr(hook, "many", None)
    if many is not None:
        many(invoices=invoices)
        return
    for invoice_id, customer_id in invoices:
        try:
            hook(invoice_id=invoice_id, customer_id=customer_id)
        except Exception:
            logger.exception("Invoice %s: the issue hook failed", invoice_id)


def _notification(
    invoice: Invoice, *, to: str, language: str, resent_by_staff: bool = False
) -> dict:
    return dict(
        to=to,
        template=NOTIFICATION,
        context={
            "invoice": invoice,
            "invoices_url": settings.GUICHET_SITE_URL + reverse("billing:invoices"),
            # Staff resending it: not necessarily an address that asked for these notices.
            "resent_by_staff": resent_by_staff,
        },
        language=language,
    )


def invoice_mark_paid(*, invoice_id: int, paid_at: datetime.datetime | None = None) -> bool:
    """Record that an invoice is settled; True if this call did it (settling twice is a no-op)."""
    return bool(
        Invoice.objects.filter(pk=invoice_id, status__in=OPEN_STATUSES).update(
            status=Invoice.Status.PAID, paid_at=paid_at or timezone.now()
        )
    )


def invoice_debit_sent(*, invoice_ids: Sequence[int]) -> int:
    """Record that a debit file sent to the bank carries these open invoices (« Prélèvement
    émis »); returns how many changed. Paid or already sent ones are left as they are."""
    return Invoice.objects.filter(pk__in=list(invoice_ids), status=Invoice.Status.ISSUED).update(
        status=Invoice.Status.DEBIT_SENT
    )


def invoice_reopen(*, invoice_id: int) -> bool:
    """Make an invoice « to pay » again: its debit was rejected, or the payment that settled it
    was reversed. True if this call changed it."""
    return bool(
        Invoice.objects.filter(
            pk=invoice_id, status__in=[Invoice.Status.DEBIT_SENT, Invoice.Status.PAID]
        ).update(status=Invoice.Status.ISSUED, paid_at=None)
    )


def _is_sequence_number(number: str) -> bool:
    """Shaped like the sequence's numbers (prefix + N digits): it would collide with one."""
    prefix, digits = settings.BILLING_INVOICE_PREFIX, settings.BILLING_INVOICE_NUMBER_DIGITS
    rest = number[len(prefix) :]
    return number.startswith(prefix) and len(rest) == digits and rest.isdigit()


def _enqueue_pdf(invoice_id: int) -> None:
    from ..tasks import render_invoice_pdf  # tasks import this package

    render_invoice_pdf.delay(invoice_id)
