"""fields_fit, the billing run's quick look in place of full_clean on each invoice: it never
says « fits » where full_clean refuses, and then full_clean gives its messages."""

import copy

import pytest
from django.core.exceptions import ValidationError

from guichet.billing.models import Invoice
from guichet.billing.services.issue import fields_fit, invoice_build, invoice_snapshot
from guichet.billing.tests.test_issue import draft
from guichet.customers.models import Customer

pytestmark = pytest.mark.django_db

EXCLUDE = ["customer", "run", "pdf", "number"]


def built(customer) -> Invoice:
    invoice, _lines = invoice_build(draft=draft(customer), snapshot=invoice_snapshot())
    return invoice


def full_clean_refuses(invoice: Invoice) -> bool:
    try:
        invoice.full_clean(exclude=EXCLUDE, validate_unique=False, validate_constraints=False)
    except ValidationError:
        return True
    return False


def test_a_sound_invoice_fits_without_full_clean(customer):
    invoice = built(customer)

    assert fields_fit(invoice, exclude=EXCLUDE)
    assert not full_clean_refuses(invoice)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_name", "x" * 301),
        ("customer_name", ""),
        ("customer_reference", "123456789"),
        ("billing_address", ""),
        ("payment_method", "cheque"),
        ("source", "manual"),
        ("status", ""),
        ("total_incl_vat_cents", 2**63),
        ("total_vat_cents", "douze"),
        ("total_excl_vat_cents", None),
        ("issue_date", "25/11/2026"),
        ("due_date", None),
        ("paid_at", "yesterday"),
        ("seller", {"name": object()}),
        ("seller", {}),
        ("seller", []),
        ("snapshot", {"logo": b"bytes"}),
    ],
)
def test_what_full_clean_refuses_never_fits(customer, field, value):
    invoice = copy.copy(built(customer))
    setattr(invoice, field, value)

    assert full_clean_refuses(invoice)
    assert not fields_fit(invoice, exclude=EXCLUDE)


def test_a_field_with_validators_of_its_own_is_left_to_full_clean(customer):
    # The customer's invoice address is an EmailField: only its validator may judge it.
    assert not fields_fit(customer, exclude=[])
    assert not fields_fit(Customer(reference="00000001"), exclude=[])


def test_a_number_too_long_is_caught_when_the_draft_gives_one(customer):
    invoice = built(customer)
    invoice.number = "F" * 31

    assert fields_fit(invoice, exclude=EXCLUDE)  # the sequence's numbers are not checked
    assert not fields_fit(invoice, exclude=["customer", "run", "pdf"])
