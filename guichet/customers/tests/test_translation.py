"""What customers and staff read about a customer record follows the active language."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guichet.core.tests.english_catalogue import install_english
from guichet.customers.models import Customer, Holder
from guichet.customers.tests.factories import CustomerFactory, HolderFactory


@pytest.fixture
def english(settings, tmp_path):
    install_english(settings)


@pytest.mark.django_db
def test_two_holders_are_joined_in_the_language_of_the_page(english):
    customer = CustomerFactory(holder__first_name="Jean", holder__last_name="Schmitt")
    HolderFactory(customer=customer, first_name="Marie", last_name="Schmitt", position=2)

    assert customer.display_name == "Mme Jean SCHMITT et Mme Marie SCHMITT"
    with translation.override("en"):
        assert customer.display_name == "Mme Jean SCHMITT and Mme Marie SCHMITT"


def test_labels_and_choices_are_english_with_the_english_catalogue(english):
    with translation.override("en"):
        assert str(Customer._meta.verbose_name_plural) == "customers"
        assert str(Customer._meta.get_field("contract_postal_code").verbose_name) == (
            "postcode of the contract's town"
        )
        assert str(Holder.Civility.MME.label) == "Mrs"
    assert str(Holder.Civility.MME.label) == "Madame"


def test_a_wrong_postal_code_is_refused_in_the_language_of_the_page(english):
    field = Customer._meta.get_field("contract_postal_code")
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            field.run_validators("680")
        assert refused.value.messages == ["The postcode has 5 digits."]
