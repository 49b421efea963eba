"""Customer writes: a contract and its holders are created whole and valid, or not at all."""

import pytest
from django.core.exceptions import ValidationError

from guichet.customers.models import Customer, Holder
from guichet.customers.services import HolderData, customer_create, holder_add

pytestmark = pytest.mark.django_db

ADDRESS = {
    "contract_postal_code": "68000",
    "installation_street": "12 rue des Clefs",
    "installation_postal_code": "68000",
    "installation_city": "Colmar",
}


def test_it_creates_the_contract_with_its_holders_in_order():
    customer = customer_create(
        reference="01776600",
        holders=[
            HolderData(civility="M.", first_name="Jean", last_name="Schmitt"),
            HolderData(civility="Mme", first_name="Marie", last_name="Schmitt"),
        ],
        phone_mobile="+33612345602",
        **ADDRESS,
    )
    assert customer.display_name == "M. Jean SCHMITT et Mme Marie SCHMITT"
    assert [h.position for h in customer.holders.all()] == [1, 2]
    # Billed at the installation address unless told otherwise.
    assert customer.billing_address_lines == ["12 rue des Clefs", "68000 COLMAR"]


def test_it_refuses_an_invalid_contract_and_writes_nothing():
    with pytest.raises(ValidationError) as error:
        customer_create(
            reference="V123",
            holders=[HolderData(last_name="Muller")],
            **ADDRESS,
        )
    assert "reference" in error.value.message_dict
    assert not Customer.objects.exists()


def test_a_holder_without_a_name_undoes_the_whole_contract():
    with pytest.raises(ValidationError):
        customer_create(reference="01776601", holders=[HolderData(last_name="")], **ADDRESS)
    assert not Customer.objects.exists()
    assert not Holder.objects.exists()


def test_a_holder_added_later_comes_after_the_others(customer):
    holder = holder_add(customer=customer, civility="M.", first_name="Paul", last_name="Muller")
    assert holder.position == 2
    assert customer.display_name.endswith("et M. Paul MULLER")
