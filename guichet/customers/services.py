"""Every write about customers: a contract's record and the people who hold it."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.core.emails import email_queue
from guichet.core.formatting import normalize_phone

from .models import AddressChangeRequest, Customer, Holder

PHONE_FIELDS = ("phone_mobile", "phone_home", "phone_other")


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
    customer = _customer_new(
        reference=reference,
        contract_postal_code=contract_postal_code,
        installation_street=installation_street,
        installation_street2=installation_street2,
        installation_postal_code=installation_postal_code,
        installation_city=installation_city,
        billing_street=billing_street,
        billing_street2=billing_street2,
        billing_postal_code=billing_postal_code,
        billing_city=billing_city,
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


def _customer_new(
    *,
    reference: str,
    contract_postal_code: str,
    installation_street: str,
    installation_postal_code: str,
    installation_city: str,
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
    """The unsaved record customer_create and the import's bulk path both start from."""
    return Customer(
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


@transaction.atomic
def customer_update(
    *, customer: Customer, values: dict[str, object], holders: Sequence[HolderData]
) -> bool:
    """The operator's data for an existing contract (imports): the given fields, and the
    holders in order when they differ. True when something changed; raises ValidationError
    (nothing is written) when a value is refused."""
    changed = [name for name, value in values.items() if getattr(customer, name) != value]
    for name in changed:
        setattr(customer, name, values[name])
    if changed:
        customer.full_clean()
        customer.save(update_fields=[*changed, "updated_at"])
    current = [(h.civility, h.first_name, h.last_name) for h in customer.holders.all()]
    wanted = [(h.civility, h.first_name, h.last_name) for h in holders]
    if current != wanted:
        customer.holders.all().delete()
        for holder in holders:
            holder_add(
                customer=customer,
                civility=holder.civility,
                first_name=holder.first_name,
                last_name=holder.last_name,
            )
    return bool(changed) or current != wanted


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


@transaction.atomic
def customer_phones_set(
    *, customer: Customer, phone_mobile: str, phone_home: str, phone_other: str
) -> None:
    """D1: the three numbers as typed (« 03.89… », « +33… », « 0033… », international),
    stored in E.164; an empty one clears that number.

    Raises ValidationError keyed by field, naming every refused number, and writes nothing
    then: half a form saved would leave the customer unsure what was kept.
    """
    typed = {"phone_mobile": phone_mobile, "phone_home": phone_home, "phone_other": phone_other}
    values, errors = {}, {}
    for name, raw in typed.items():
        try:
            values[name] = normalize_phone(raw)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(customer, name, value)
    customer.save(update_fields=[*PHONE_FIELDS, "updated_at"])


@transaction.atomic
def customer_contact_email_set(*, customer: Customer, email: str) -> str:
    """D2: the contact address, once its new owner proved they read it; returns the old one.

    Only accounts calls this, after the confirmation link: never straight from a form.
    """
    previous = customer.contact_email
    customer.contact_email = email.strip()
    customer.full_clean(
        exclude=[f.name for f in Customer._meta.fields if f.name != "contact_email"],
        validate_constraints=False,
    )
    customer.save(update_fields=["contact_email", "updated_at"])
    return previous


def billing_address_approval_required() -> bool:
    return getattr(settings, "CUSTOMERS_BILLING_ADDRESS_APPROVAL", True)


@transaction.atomic
def address_change_submit(
    *,
    customer: Customer,
    street: str,
    postal_code: str,
    city: str,
    street2: str = "",
    country: str = "France",
) -> AddressChangeRequest:
    """D3: a new billing address from the portal, applied now or held for staff as the
    operator chose; a pending request the customer sends again is replaced, not stacked."""
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    request = AddressChangeRequest(
        customer=customer,
        street=street.strip(),
        street2=street2.strip(),
        postal_code=postal_code.strip(),
        city=city.strip(),
        country=country.strip() or "France",
    )
    if request.country.lower() == "france" and not (
        request.postal_code.isdigit() and len(request.postal_code) == 5
    ):
        raise ValidationError(
            {"postal_code": _("Le code postal compte 5 chiffres.")}, code="postal_code"
        )
    request.full_clean(exclude=["customer", "status"], validate_constraints=False)
    customer.address_change_requests.filter(status=AddressChangeRequest.Status.PENDING).update(
        status=AddressChangeRequest.Status.REPLACED, decided_at=timezone.now()
    )
    if billing_address_approval_required():
        request.save()
        return request
    request.status = AddressChangeRequest.Status.APPLIED
    request.decided_at = timezone.now()
    request.save()
    _billing_address_apply(customer=customer, request=request)
    return request


def _billing_address_apply(*, customer: Customer, request: AddressChangeRequest) -> None:
    customer.billing_street = request.street
    customer.billing_street2 = request.street2
    customer.billing_postal_code = request.postal_code
    customer.billing_city = request.city
    customer.billing_country = request.country
    customer.save(
        update_fields=[
            "billing_street",
            "billing_street2",
            "billing_postal_code",
            "billing_city",
            "billing_country",
            "updated_at",
        ]
    )


@transaction.atomic
def address_change_decide(*, request: AddressChangeRequest, approve: bool, staff_name: str) -> bool:
    """Staff approve (the address is applied) or refuse a pending request; the customer is
    e-mailed either way. False when it was no longer pending (decided by someone else)."""
    request = (
        AddressChangeRequest.objects.select_for_update()
        .select_related("customer")
        .filter(pk=request.pk, status=AddressChangeRequest.Status.PENDING)
        .first()
    )
    if request is None:
        return False
    customer = request.customer
    request.status = (
        AddressChangeRequest.Status.APPROVED if approve else AddressChangeRequest.Status.REFUSED
    )
    request.decided_at = timezone.now()
    request.decided_by = staff_name[:150]
    request.save(update_fields=["status", "decided_at", "decided_by"])
    if approve:
        _billing_address_apply(customer=customer, request=request)
    if customer.contact_email:
        email_queue(
            to=customer.contact_email,
            template="address_change_decided",
            context={"approved": approve, "address_lines": request.address_lines},
            language=customer.language,
        )
    return True


# -- Imports in bulk (catalog.imports) ---------------------------------------------------------
# The checks of customer_create / customer_update, made in memory for a chunk of customers, then
# one write per table for the whole chunk. What needs the database is left to it: uniqueness
# (the import looks references up by chunk) and the table constraints; a chunk the database
# refuses is replayed by the import customer by customer through the services above.

_BULK_CLEAN = {"validate_unique": False, "validate_constraints": False}


@dataclass
class CustomerChange:
    """What an import would write for one customer: a new record, changed fields of a known
    one (``fields``), and its holders when they change (``holders``, in order)."""

    customer: Customer
    created: bool = False
    fields: list[str] = field(default_factory=list)
    holders: list[Holder] | None = None

    @property
    def changed(self) -> bool:
        return self.created or bool(self.fields) or self.holders is not None


def customer_import_prepare(
    *,
    customer: Customer | None,
    reference: str,
    values: dict[str, object],
    holders: Sequence[HolderData],
) -> CustomerChange:
    """customer_create (``customer`` None) or customer_update of a customer loaded with its
    holders, checked without a query and without writing: raises ValidationError as they
    would. ``customers_import_write`` then stores the changes of a whole chunk."""
    if customer is None:
        customer = _customer_new(reference=reference, **values)
        customer.full_clean(**_BULK_CLEAN)
        change = CustomerChange(customer=customer, created=True)
    else:
        changed = [name for name, value in values.items() if getattr(customer, name) != value]
        for name in changed:
            setattr(customer, name, values[name])
        if changed:
            customer.full_clean(**_BULK_CLEAN)
        change = CustomerChange(customer=customer, fields=changed)
        current = [(h.civility, h.first_name, h.last_name) for h in customer.holders.all()]
        if current == [(h.civility, h.first_name, h.last_name) for h in holders]:
            return change
    change.holders = []
    for position, data in enumerate(holders, start=1):
        holder = Holder(
            customer=customer,
            civility=data.civility,
            first_name=data.first_name,
            last_name=data.last_name,
            position=position,
        )
        holder.full_clean(exclude=["customer"], **_BULK_CLEAN)
        change.holders.append(holder)
    return change


@transaction.atomic
def customers_import_write(*, changes: Sequence[CustomerChange]) -> None:
    """Store prepared changes (customer_import_prepare): one insert per table for the new
    customers and holders, one update per set of changed fields; a customer whose holders
    change gets the new list, as customer_update gives it. IntegrityError when the database
    refuses any of it (a reference taken meanwhile): the caller's transaction rolls back."""
    Customer.objects.bulk_create([c.customer for c in changes if c.created])
    now = timezone.now()
    by_fields: dict[tuple[str, ...], list[Customer]] = {}
    for change in changes:
        if change.fields:
            change.customer.updated_at = now
            by_fields.setdefault(tuple(change.fields), []).append(change.customer)
    for fields, customers in by_fields.items():
        Customer.objects.bulk_update(customers, [*fields, "updated_at"])
    replaced = [c.customer.pk for c in changes if c.holders is not None and not c.created]
    if replaced:
        Holder.objects.filter(customer__in=replaced).delete()
    Holder.objects.bulk_create([h for c in changes if c.holders for h in c.holders])
