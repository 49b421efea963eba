"""Every write about customers: a contract's record and the people who hold it."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Customer, Holder


@dataclass(frozen=True)
class HolderData:
    last_name: str
    first_name: str = ""
    civility: str = ""


@transaction.atomic
def customer_create(
    *,
    reference: str,
    contract_postal_code: str,
    installation_street: str,
    installation_postal_code: str,
    installation_city: str,
    holders: Sequence[HolderData],
    installation_street2: str = "",
    billing_street: str = "",
    billing_street2: str = "",
    billing_postal_code: str = "",
    billing_city: str = "",
    billing_country: str = "France",
    contact_email: str = "",
    phone_mobile: str = "",
    phone_home: str = "",
    phone_other: str = "",
    invoice_email: str = "",
    invoice_email_opt_in: bool = False,
) -> Customer:
    """A new contract with its holders, in order; billed at the installation address unless
    another is given. Raises ValidationError (nothing is written) when a value is refused."""
    customer = Customer(
        reference=reference,
        contract_postal_code=contract_postal_code,
        installation_street=installation_street,
        installation_street2=installation_street2,
        installation_postal_code=installation_postal_code,
        installation_city=installation_city,
        billing_street=billing_street or installation_street,
        billing_street2=billing_street2 if billing_street else installation_street2,
        billing_postal_code=billing_postal_code or installation_postal_code,
        billing_city=billing_city or installation_city,
        billing_country=billing_country,
        contact_email=contact_email,
        phone_mobile=phone_mobile,
        phone_home=phone_home,
        phone_other=phone_other,
        invoice_email=invoice_email,
        invoice_email_opt_in=invoice_email_opt_in,
    )
    customer.full_clean()
    customer.save()
    for holder in holders:
        holder_add(
            customer=customer,
            civility=holder.civility,
            first_name=holder.first_name,
            last_name=holder.last_name,
        )
    return customer


@transaction.atomic
def holder_add(
    *, customer: Customer, last_name: str, first_name: str = "", civility: str = ""
) -> Holder:
    """Name one more person on the contract, after those already named."""
    # Locking the customer keeps two concurrent additions from taking the same position.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    last = customer.holders.order_by("-position").values_list("position", flat=True).first()
    holder = Holder(
        customer=customer,
        civility=civility,
        first_name=first_name,
        last_name=last_name,
        position=(last or 0) + 1,
    )
    holder.full_clean()
    holder.save()
    return holder


@transaction.atomic
def customer_language_set(*, customer: Customer, language: str) -> None:
    """Remember the language the customer chose (pages after login, e-mails, PDFs).

    Only a language the portal offers (settings.LANGUAGES, the catalogues installed) is kept.
    """
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Cette langue n'est pas proposée."), code="invalid_language")
    customer.language = language
    customer.full_clean(exclude=[f.name for f in Customer._meta.fields if f.name != "language"])
    customer.save(update_fields=["language", "updated_at"])


@transaction.atomic
def customer_invoice_notification_set(*, customer: Customer, opt_in: bool, email: str) -> None:
    """F3: whether « facture disponible » e-mails go out, and to which address.

    The address is kept when the customer stops the e-mails, so that ticking the box again
    needs no retyping; ticking it needs one.
    """
    email = (email or "").strip()
    if opt_in and not email:
        raise ValidationError(
            {
                "invoice_email": _(
                    "Indiquez l'adresse e-mail à laquelle vous souhaitez être prévenu de vos "
                    "factures."
                )
            },
            code="invoice_email_required",
        )
    customer.invoice_email_opt_in = opt_in
    customer.invoice_email = email
    customer.full_clean(
        exclude=[
            f.name
            for f in Customer._meta.fields
            if f.name not in ("invoice_email", "invoice_email_opt_in")
        ],
        validate_constraints=False,
    )
    customer.save(update_fields=["invoice_email", "invoice_email_opt_in", "updated_at"])
