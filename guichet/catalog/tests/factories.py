"""Factories for products and subscriptions."""

import datetime

import factory

from guichet.catalog.models import Product, ProductKind, Subscription
from guichet.customers.tests.factories import CustomerFactory


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    kind = ProductKind.INTERNET
    code = factory.Sequence(lambda n: f"produit-{n}")
    name = factory.Sequence(lambda n: f"Produit {n}")
    description = "Un service de test."
    characteristics = "Débit descendant jusqu'à 1 Gbit/s"
    monthly_price_cents = 2990
    vat_rate_bp = 2000


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    start_date = datetime.date(2024, 1, 15)
