"""Factories for users: subscribers and staff."""

import factory

from guichet.accounts.models import User
from guichet.customers.tests.factories import CustomerFactory

PASSWORD = "Un-Mot-De-Passe-Solide-2026"


class _UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CustomerUserFactory(_UserFactory):
    customer = factory.SubFactory(CustomerFactory)
    username = factory.SelfAttribute("customer.reference")


class StaffUserFactory(_UserFactory):
    username = factory.Sequence(lambda n: f"agent{n}")
    is_staff = True
