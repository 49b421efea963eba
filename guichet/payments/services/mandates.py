"""SEPA mandates (F1, F2, F5): signing one, changing its bank details, revoking it.

Each write runs in one transaction with its audit row (a security event of the customer's
account), its confirmation e-mail and the A10 security notice, both in the customer's language
and queued in the outbox; neither carries the IBAN, only its masked form. The customer's row is
locked first, so two tabs submitting at once cannot both sign a mandate or amend it twice.

Invoices already issued keep the terms printed on them; the next billing run asks
`guichet.payments.terms.by_mandate`, which reads the active mandate.
"""

import contextlib
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from guichet.accounts.models import SecurityEvent, User
from guichet.accounts.services import security_event_record, security_notice_send
from guichet.core.emails import email_queue
from guichet.core.prepared import PreparedQuery, first_of
from guichet.customers.models import Customer

from ..iban import (
    BIC_MESSAGES,
    bic_check,
    creditor_id_national,
    iban_check,
    iban_decrypt,
    iban_encrypt,
    iban_mask,
    iban_reencrypt,
)
from ..models import Mandate, MandateAmendment

# SEPA's limit for the debtor's name in a pain.008 file.
ACCOUNT_HOLDER_MAX = 70
RUM_MAX = 35

MANDATE_SIGNED_NOTICE = gettext_lazy(
    "Un mandat de prélèvement SEPA (référence %(rum)s) a été signé depuis votre %(portal)s le "
    "%(date)s à %(time)s, pour le compte %(iban)s."
)
BANK_DETAILS_CHANGED_NOTICE = gettext_lazy(
    "Les coordonnées bancaires de votre mandat de prélèvement %(rum)s ont été modifiées depuis "
    "votre %(portal)s le %(date)s à %(time)s : le compte prélevé est désormais %(iban)s."
)
MANDATE_REVOKED_NOTICE = gettext_lazy(
    "Votre mandat de prélèvement %(rum)s a été révoqué depuis votre %(portal)s le %(date)s à "
    "%(time)s : vos prochaines factures seront à régler par carte bancaire."
)


@dataclass(frozen=True)
class BankDetails:
    """Bank details as checked by `bank_details_check`: compact IBAN and BIC."""

    iban: str
    bic: str
    account_holder: str
    debit_day: int


def direct_debit_offered() -> bool:
    """Direct debit needs the operator's creditor identifier (ICS)."""
    return bool(settings.PAYMENTS_CREDITOR_ID)


def bank_details_check(
    *, iban: str, bic: str, account_holder: str, debit_day: int | str
) -> BankDetails:
    """Normalise and check what the customer typed; a ValidationError maps each field to its
    message in French (the active language). The BIC is filled from the IBAN where schwifty
    knows the bank; it is required only outside the EEA when it cannot be filled."""
    errors: dict[str, list] = {}
    checked = None
    try:
        checked = iban_check(iban)
    except ValidationError as error:
        errors["iban"] = error.error_list
    clean_bic = ""
    try:
        clean_bic = bic_check(bic)
    except ValidationError as error:
        errors["bic"] = error.error_list
    if checked is not None and "bic" not in errors and not clean_bic:
        clean_bic = checked.bic
        if not clean_bic and checked.needs_bic:
            errors["bic"] = [ValidationError(BIC_MESSAGES["required"], code="bic_required")]
    holder = " ".join((account_holder or "").split())
    if not holder:
        errors["account_holder"] = [
            ValidationError(
                gettext("Indiquez le nom du titulaire du compte, tel qu'il figure sur votre RIB."),
                code="required",
            )
        ]
    elif len(holder) > ACCOUNT_HOLDER_MAX:
        errors["account_holder"] = [
            ValidationError(
                gettext("Le nom du titulaire compte au plus %(max)s caractères.")
                % {"max": ACCOUNT_HOLDER_MAX},
                code="too_long",
            )
        ]
    elif not holder.isprintable():
        errors["account_holder"] = [
            ValidationError(
                gettext("Le nom du titulaire contient un caractère invisible : retapez-le."),
                code="invalid",
            )
        ]
    day = None
    with contextlib.suppress(TypeError, ValueError):
        day = int(debit_day)
    if day not in settings.PAYMENTS_DEBIT_DAYS:
        errors["debit_day"] = [
            ValidationError(
                gettext("Choisissez une des dates de prélèvement proposées."), code="invalid_day"
            )
        ]
    if errors:
        raise ValidationError(errors)
    return BankDetails(iban=checked.iban, bic=clean_bic, account_holder=holder, debit_day=day)


def _recheck(details: BankDetails) -> BankDetails:
    """Services never trust their caller's checking (the admin, a command, a form)."""
    return bank_details_check(
        iban=details.iban,
        bic=details.bic,
        account_holder=details.account_holder,
        debit_day=details.debit_day,
    )


def _active_mandate(customer_id):
    return first_of(Mandate.objects.for_customer(customer_id).active())


# Built and compiled once per process (guichet/core/prepared.py): « Mode de paiement » and
# « Payer en ligne » read it on every visit.
_ACTIVE_MANDATE = PreparedQuery(_active_mandate)


def mandate_active_for(customer: Customer) -> Mandate | None:
    return _ACTIVE_MANDATE.first(customer.pk)


def mandate_iban_masked(mandate: Mandate) -> str:
    """« FR76 •••• •••• 0189 », read from the encrypted IBAN (the country is not stored apart)."""
    return iban_mask(iban_decrypt(mandate.iban_encrypted))


def creditor() -> dict:
    """Who collects the debits, as the mandate text names them."""
    return {
        "name": settings.PAYMENTS_CREDITOR_NAME,
        "identifier": settings.PAYMENTS_CREDITOR_ID,
        "address_lines": settings.BILLING_OPERATOR["address_lines"],
    }


def _rum_new(customer: Customer) -> str:
    """« 123456-01776108-2 »: the creditor's national identifier, the client reference and the
    customer's mandate count, unique for this creditor (as the SEPA rulebook asks), at most
    35 characters, of the characters every bank accepts."""
    count = Mandate.objects.for_customer(customer).count() + 1
    tail = f"-{customer.reference}-{count}"
    prefix = creditor_id_national(settings.PAYMENTS_CREDITOR_ID)[: RUM_MAX - len(tail)]
    return f"{prefix}{tail}"


def _customer_lock(customer: Customer) -> None:
    Customer.objects.select_for_update().filter(pk=customer.pk).first()


def _notify(
    *, user: User, mandate: Mandate, iban: str, template: str, notice, event, request
) -> None:
    """The audit row, the confirmation and the security notice, inside the caller's
    transaction. The detail and e-mails carry the RUM and the masked IBAN, never the IBAN."""
    customer = user.customer
    masked = iban_mask(iban)
    security_event_record(
        user=user,
        kind=event,
        request=request,
        detail=f"{mandate.rum} {masked}",
    )
    if customer.contact_email:
        email_queue(
            to=customer.contact_email,
            template=template,
            language=customer.language,
            context={
                "rum": mandate.rum,
                "iban_masked": masked,
                "bic": mandate.bic,
                "account_holder": mandate.account_holder,
                "debit_day": mandate.debit_day,
                "date": timezone.now(),
                "creditor": creditor(),
            },
        )
    security_notice_send(
        user=user,
        message=notice,
        params={
            "rum": mandate.rum,
            "iban": masked,
            "portal": settings.GUICHET_BRAND["portal_name"],
        },
    )


def mandate_create(*, user: User, details: BankDetails, request=None) -> Mandate:
    """Switch from card to direct debit: a new mandate with a new RUM, signed now."""
    details = _recheck(details)
    with transaction.atomic():
        mandate = _mandate_new(customer=user.customer, details=details, signed_at=timezone.now())
        _notify(
            request=request,
            user=user,
            mandate=mandate,
            iban=details.iban,
            template="mandate_signed",
            notice=MANDATE_SIGNED_NOTICE,
            event=SecurityEvent.Kind.MANDATE_SIGNED,
        )
    return mandate


def mandate_record(
    *, customer: Customer, details: BankDetails, signed_at: datetime.datetime
) -> Mandate:
    """A mandate signed elsewhere (on paper, before the portal: demo data, imports): no e-mail
    and no security event, since the customer changed nothing here."""
    with transaction.atomic():
        return _mandate_new(customer=customer, details=details, signed_at=signed_at)


def _mandate_new(
    *, customer: Customer, details: BankDetails, signed_at: datetime.datetime
) -> Mandate:
    if not direct_debit_offered():
        raise ValidationError(gettext("Le paiement par prélèvement n'est pas proposé."))
    details = _recheck(details)
    with transaction.atomic():
        _customer_lock(customer)
        if mandate_active_for(customer) is not None:
            raise ValidationError(
                gettext("Vous avez déjà un mandat de prélèvement : modifiez-le plutôt."),
                code="mandate_exists",
            )
        mandate = Mandate(
            customer=customer,
            rum=_rum_new(customer),
            signed_at=signed_at,
            iban_encrypted=iban_encrypt(details.iban),
            iban_last4=details.iban[-4:],
            bic=details.bic,
            account_holder=details.account_holder,
            debit_day=details.debit_day,
        )
        mandate.full_clean()
        mandate.save()
    return mandate


def mandate_amend(*, user: User, details: BankDetails, request=None) -> Mandate:
    """New bank details (or debit day) under the same RUM.

    A change of IBAN or BIC is an amendment the bank must hear of: a MandateAmendment keeps the
    original IBAN (encrypted) and BIC, and the next debit file reports it. If an earlier
    change is still unreported, that one stays: the bank still knows the account it recorded
    as original, not the one in between.
    """
    details = _recheck(details)
    customer = user.customer
    with transaction.atomic():
        _customer_lock(customer)
        mandate = Mandate.objects.for_customer(customer).active().select_for_update().first()
        if mandate is None:
            raise ValidationError(
                gettext("Vous n'avez pas de mandat de prélèvement à modifier."),
                code="no_mandate",
            )
        original_iban = iban_decrypt(mandate.iban_encrypted)
        account_changed = original_iban != details.iban or mandate.bic != details.bic
        if not account_changed and (mandate.account_holder, mandate.debit_day) == (
            details.account_holder,
            details.debit_day,
        ):
            raise ValidationError(
                gettext("Ces coordonnées sont déjà celles de votre mandat : rien n'a changé."),
                code="unchanged",
            )
        if account_changed and not mandate.amendments.filter(reported_in__isnull=True).exists():
            amendment = MandateAmendment(
                mandate=mandate,
                original_iban_encrypted=mandate.iban_encrypted,
                original_iban_last4=original_iban[-4:],
                original_bic=mandate.bic,
            )
            amendment.full_clean()
            amendment.save()
        mandate.iban_encrypted = iban_encrypt(details.iban)
        mandate.iban_last4 = details.iban[-4:]
        mandate.bic = details.bic
        mandate.account_holder = details.account_holder
        mandate.debit_day = details.debit_day
        mandate.full_clean()
        mandate.save(
            update_fields=["iban_encrypted", "iban_last4", "bic", "account_holder", "debit_day"]
        )
        _notify(
            request=request,
            user=user,
            mandate=mandate,
            iban=details.iban,
            template="mandate_amended",
            notice=BANK_DETAILS_CHANGED_NOTICE,
            event=SecurityEvent.Kind.BANK_DETAILS_CHANGED,
        )
    return mandate


def mandate_revoke(*, user: User, request=None) -> Mandate:
    """Back to card payment: the mandate ends (its RUM is never used again)."""
    customer = user.customer
    with transaction.atomic():
        _customer_lock(customer)
        mandate = Mandate.objects.for_customer(customer).active().select_for_update().first()
        if mandate is None:
            raise ValidationError(
                gettext("Vous n'avez pas de mandat de prélèvement à révoquer."),
                code="no_mandate",
            )
        mandate.status = Mandate.Status.REVOKED
        mandate.revoked_at = timezone.now()
        mandate.save(update_fields=["status", "revoked_at"])
        _notify(
            request=request,
            user=user,
            mandate=mandate,
            iban=iban_decrypt(mandate.iban_encrypted),
            template="mandate_revoked",
            notice=MANDATE_REVOKED_NOTICE,
            event=SecurityEvent.Kind.MANDATE_REVOKED,
        )
    return mandate


def iban_keys_rotate() -> int:
    """Re-encrypt every stored IBAN under the newest key of PAYMENTS_IBAN_KEY; the number of
    rows rewritten. After it, the older keys can be removed."""
    count = 0
    for model, field in (
        (Mandate, "iban_encrypted"),
        (MandateAmendment, "original_iban_encrypted"),
    ):
        for pk in model.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                row = model.objects.select_for_update().get(pk=pk)
                setattr(row, field, iban_reencrypt(getattr(row, field)))
                row.save(update_fields=[field])
                count += 1
    return count
