"""Catalogue writes: products and subscriptions are validated before they are saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from guichet.catalog.models import Product, ProductKind, Subscription
from guichet.catalog.services import product_create, subscription_create, subscription_end
from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_it_creates_a_product():
    product = product_create(
        code="mobile-5go",
        kind=ProductKind.MOBILE,
        name="Mobile 5 Go",
        monthly_price_cents=590,
        vat_rate_bp=2000,
    )
    assert Product.objects.get(code="mobile-5go") == product


def test_it_refuses_a_product_with_a_negative_price():
    with pytest.raises(ValidationError):
        product_create(
            code="gratuit", kind=ProductKind.TV, name="x", monthly_price_cents=-1, vat_rate_bp=0
        )
    assert not Product.objects.exists()


def test_it_subscribes_a_customer_and_checks_the_line_number(customer):
    product = ProductFactory(kind=ProductKind.MOBILE)
    subscription = subscription_create(
        customer=customer,
        product=product,
        start_date=datetime.date(2026, 1, 5),
        line_number="+33612345601",
        equipment="Carte SIM",
    )
    assert subscription.monthly_price_cents == product.monthly_price_cents
    with pytest.raises(ValidationError) as error:
        subscription_create(
            customer=customer,
            product=product,
            start_date=datetime.date(2026, 1, 5),
            line_number="pas un numéro",
        )
    assert "line_number" in error.value.message_dict
    assert Subscription.objects.count() == 1


def test_ending_a_subscription_keeps_an_earlier_end_and_refuses_one_before_the_start():
    subscription = SubscriptionFactory(start_date=datetime.date(2025, 1, 1))
    subscription_end(subscription=subscription, end_date=datetime.date(2026, 3, 31))
    subscription.refresh_from_db()
    assert subscription.end_date == datetime.date(2026, 3, 31)

    subscription_end(subscription=subscription, end_date=datetime.date(2026, 6, 30))
    subscription.refresh_from_db()
    assert subscription.end_date == datetime.date(2026, 3, 31)

    with pytest.raises(ValidationError):
        subscription_end(subscription=subscription, end_date=datetime.date(2024, 12, 31))
    subscription.refresh_from_db()
    assert subscription.end_date == datetime.date(2026, 3, 31)
