"""Prepared queries (core/prepared.py) give what the ORM gives: rows, instances, the first one,
one query each; tried on accounts' and customers' models."""

import pytest

from guichet.accounts.models import SecurityEvent
from guichet.core.prepared import PreparedQuery, first_of
from guichet.customers.models import AddressChangeRequest


def _events(user_id):
    return SecurityEvent.objects.filter(user=user_id)[:10]


EVENTS = PreparedQuery(_events)
FIRST_EVENT = PreparedQuery(lambda user_id: first_of(SecurityEvent.objects.filter(user=user_id)))
FIRST_REQUEST = PreparedQuery(
    lambda customer_id: first_of(
        AddressChangeRequest.objects.filter(customer=customer_id).only("street", "created_at")
    )
)


def record(user, kind, count=1):
    for _ in range(count):
        SecurityEvent.objects.create(user=user, kind=kind)


@pytest.mark.django_db
def test_objects_are_the_querysets_instances_field_for_field(
    customer_user, django_assert_num_queries
):
    record(customer_user, SecurityEvent.Kind.LOGIN_SUCCEEDED, 12)
    record(customer_user, SecurityEvent.Kind.LOGIN_FAILED)
    expected = list(_events(customer_user.pk))

    with django_assert_num_queries(1):
        found = EVENTS.objects(customer_user.pk)

    assert [event.pk for event in found] == [event.pk for event in expected]
    for mine, theirs in zip(found, expected, strict=True):
        assert type(mine) is SecurityEvent and not mine._state.adding
        for field in SecurityEvent._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname)


@pytest.mark.django_db
def test_first_is_what_first_gives_and_none_without_a_row(customer_user, customer):
    assert FIRST_EVENT.first(customer_user.pk) is None
    assert FIRST_REQUEST.first(customer.pk) is None
    record(customer_user, SecurityEvent.Kind.LOGIN_SUCCEEDED, 3)

    first = FIRST_EVENT.first(customer_user.pk)

    assert first == SecurityEvent.objects.filter(user=customer_user).first()


@pytest.mark.django_db
def test_only_some_fields_leaves_the_others_deferred(customer):
    AddressChangeRequest.objects.create(
        customer=customer, street="1 rue Neuve", postal_code="68000", city="Colmar"
    )

    request = FIRST_REQUEST.first(customer.pk)

    assert request.street == "1 rue Neuve"
    assert request.get_deferred_fields() >= {"postal_code", "city"}


@pytest.mark.django_db
def test_a_query_of_related_objects_is_refused():
    prepared = PreparedQuery(
        lambda customer_id: AddressChangeRequest.objects.filter(
            customer=customer_id
        ).select_related("customer")
    )
    with pytest.raises(ValueError, match="select_related"):
        prepared.objects(1)
