"""Every write about the catalogue: products, and the customers' subscriptions to them."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from guichet.customers.models import Customer

from .models import Product, Subscription


@transaction.atomic
def product_create(
    *,
    code: str,
    kind: str,
    name: str,
    monthly_price_cents: int,
    vat_rate_bp: int,
    description: str = "",
    characteristics: str = "",
    is_active: bool = True,
) -> Product:
    product = Product(
        code=code,
        kind=kind,
        name=name,
        description=description,
        characteristics=characteristics,
        monthly_price_cents=monthly_price_cents,
        vat_rate_bp=vat_rate_bp,
        is_active=is_active,
    )
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def subscription_create(
    *,
    customer: Customer,
    product: Product,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    line_number: str = "",
    price_cents: int | None = None,
    equipment: str = "",
) -> Subscription:
    """Subscribe the customer; ``price_cents`` None means the catalogue's price, 0 a service
    included in a bundle."""
    subscription = Subscription(
        customer=customer,
        product=product,
        start_date=start_date,
        end_date=end_date,
        line_number=line_number,
        price_cents=price_cents,
        equipment=equipment,
    )
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def subscription_end(*, subscription: Subscription, end_date: datetime.date) -> Subscription:
    """Record the last day of service; an earlier end already recorded is kept (billed so)."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.end_date is not None and subscription.end_date <= end_date:
        return subscription
    subscription.end_date = end_date
    # The model's constraint refuses an end before the start.
    subscription.full_clean()
    subscription.save(update_fields=["end_date"])
    return subscription


@transaction.atomic
def product_update(*, product: Product, values: dict[str, object]) -> bool:
    """The operator's catalogue (imports): the given fields; True when something changed."""
    changed = [name for name, value in values.items() if getattr(product, name) != value]
    for name in changed:
        setattr(product, name, values[name])
    if changed:
        product.full_clean()
        product.save(update_fields=changed)
    return bool(changed)


@transaction.atomic
def subscription_update(*, subscription: Subscription, values: dict[str, object]) -> bool:
    """The operator's data for a subscription matched by product and start (imports)."""
    changed = [name for name, value in values.items() if getattr(subscription, name) != value]
    for name in changed:
        setattr(subscription, name, values[name])
    if changed:
        subscription.full_clean()
        subscription.save(update_fields=changed)
    return bool(changed)


# -- Imports in bulk (catalog.imports) ---------------------------------------------------------
# subscription_create / subscription_update checked in memory for a chunk of customers, then
# one write per kind of change. The table's constraints are the database's: a chunk it refuses
# is replayed by the import customer by customer through the services above, which name them.


@dataclass
class SubscriptionChange:
    """What an import would write for one subscription: a new one (not saved yet), or the
    changed ``fields`` of a known one."""

    subscription: Subscription
    fields: list[str] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.subscription.pk is None


def subscription_import_prepare(
    *,
    customer: Customer,
    product: Product,
    subscription: Subscription | None,
    values: dict[str, object],
) -> SubscriptionChange | None:
    """subscription_create (``subscription`` None) or subscription_update, checked without a
    query and without writing; None when nothing would change. Raises ValidationError as they
    would (the constraints excepted: see above). ``customer`` may be new in the same chunk."""
    if subscription is None:
        subscription = Subscription(customer=customer, product=product, **values)
        changed = []
    else:
        changed = [name for name, value in values.items() if getattr(subscription, name) != value]
        if not changed:
            return None
        for name in changed:
            setattr(subscription, name, values[name])
    subscription.full_clean(
        exclude=["customer", "product"], validate_unique=False, validate_constraints=False
    )
    return SubscriptionChange(subscription=subscription, fields=changed)


@transaction.atomic
def subscriptions_import_write(*, changes: Sequence[SubscriptionChange]) -> None:
    """Store prepared changes (subscription_import_prepare), after their customers: one insert
    for the new subscriptions, one update per set of changed fields. IntegrityError when the
    database refuses any of it: the caller's transaction rolls back."""
    # Split before inserting: an inserted subscription has its pk, so no longer looks new.
    by_fields: dict[tuple[str, ...], list[Subscription]] = {}
    for change in changes:
        if not change.created:
            by_fields.setdefault(tuple(change.fields), []).append(change.subscription)
    Subscription.objects.bulk_create([c.subscription for c in changes if c.created])
    for fields, subscriptions in by_fields.items():
        Subscription.objects.bulk_update(subscriptions, list(fields))
