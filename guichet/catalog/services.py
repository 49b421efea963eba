"""Every write about the catalogue: products, and the customers' subscriptions to them."""

import datetime

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
