"""Factories for customers and their holders."""

import factory

from guichet.customers.models import Customer, Holder


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"{30000000 + n:08d}")
    contract_postal_code = "68000"
    installation_street = factory.Sequence(lambda n: f"{n + 1} rue des Tanneurs")
    installation_postal_code = "68000"
    installation_city = "Colmar"
    billing_street = factory.SelfAttribute("installation_street")
    billing_postal_code = factory.SelfAttribute("installation_postal_code")
    billing_city = factory.SelfAttribute("installation_city")
    contact_email = factory.Sequence(lambda n: f"client{n}@example.fr")
    holder = factory.RelatedFactory(
        "guichet.customers.tests.factories.HolderFactory", factory_related_name="customer"
    )


class HolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holder

    customer = factory.SubFactory(CustomerFactory, holder=None)
    civility = "Mme"
    first_name = "Anne"
    last_name = factory.Sequence(lambda n: f"Titulaire{n}")
    position = 1
