"""Reads: payments, mandates (IBAN masked), contact and termination requests, paginated."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guichet.api.models import Scope
from guichet.catalog.models import TerminationRequest, TerminationStatus
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.customers.tests.factories import CustomerFactory
from guichet.payments.iban import iban_encrypt
from guichet.payments.models import Mandate, Payment
from guichet.support.models import ContactRequest, RequestType

pytestmark = pytest.mark.django_db

IBAN = "FR7630006000011234567890189"
NOV_1 = datetime.datetime(2026, 11, 1, 9, tzinfo=datetime.UTC)
NOV_20 = datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)


def payment(customer, n, **values):
    return Payment.objects.create(
        customer=customer,
        reference=f"P-API-{n}",
        method=Payment.Method.CARD,
        amount_cents=1000 + n,
        provider="sandbox",
        **values,
    )


def mandate(customer, n=0):
    return Mandate.objects.create(
        customer=customer,
        rum=f"RUM-API-{customer.reference}-{n}",
        signed_at=timezone.now(),
        iban_encrypted=iban_encrypt(IBAN),
        iban_last4=IBAN[-4:],
        bic="BNPAFRPP",
        account_holder="Claire Muller",
        debit_day=5,
    )


def contact_request(customer, n):
    request_type = RequestType.objects.first()
    return ContactRequest.objects.create(
        reference=f"DEM-API-{n:06d}",
        customer=customer,
        request_type=request_type,
        department=request_type.department,
        message="Ma box ne s'allume plus.",
    )


def test_payments_filtered_by_since_status_and_customer(api, make_token, customer, other_customer):
    with time_machine.travel(NOV_1, tick=False):
        payment(customer, 1)
    with time_machine.travel(NOV_20, tick=False):
        payment(customer, 2, status=Payment.Status.CONFIRMED, confirmed_at=timezone.now())
        payment(other_customer, 3)
    token = make_token(Scope.PAYMENTS_READ)
    body = api("GET", "/payments", token).json()
    assert body["count"] == 3 and body["pages"] == 1
    assert [p["reference"] for p in body["items"]] == ["P-API-1", "P-API-2", "P-API-3"]
    assert body["items"][0] == {
        "reference": "P-API-1",
        "customer_reference": customer.reference,
        "method": "card",
        "status": "pending",
        "amount_cents": 1001,
        "currency": "EUR",
        "created_at": "2026-11-01T09:00:00Z",
        "confirmed_at": None,
        "updated_at": "2026-11-01T09:00:00Z",
    }

    def refs(query):
        return [p["reference"] for p in api("GET", f"/payments?{query}", token).json()["items"]]

    assert refs("since=2026-11-10") == ["P-API-2", "P-API-3"]
    assert refs("since=2026-11-20T10:00:00%2B01:00") == ["P-API-2", "P-API-3"]
    assert refs("status=confirmed") == ["P-API-2"]
    assert refs(f"customer_reference={other_customer.reference}") == ["P-API-3"]


def test_pages(api, make_token, customer):
    for n in range(5):
        payment(customer, n)
    token = make_token(Scope.PAYMENTS_READ)
    body = api("GET", "/payments?page=2&page_size=2", token).json()
    assert (body["count"], body["page"], body["pages"]) == (5, 2, 3)
    assert [p["reference"] for p in body["items"]] == ["P-API-2", "P-API-3"]
    assert api("GET", "/payments?page=9&page_size=2", token).json()["items"] == []


def test_mandates_show_the_iban_masked_only(api, make_token, customer):
    mandate(customer)
    response = api("GET", "/mandates", make_token(Scope.MANDATES_READ))
    item = response.json()["items"][0]
    assert item["iban_masked"] == "•••• 0189"
    assert item["rum"] == f"RUM-API-{customer.reference}-0"
    content = response.content.decode()
    assert IBAN not in content and "30006000011234567890" not in content
    assert "iban_encrypted" not in content


def test_contact_and_termination_requests(api, make_token, customer):
    contact_request(customer, 1)
    answered = contact_request(customer, 2)
    ContactRequest.objects.filter(pk=answered.pk).update(status=ContactRequest.Status.ANSWERED)
    subscription = SubscriptionFactory(customer=customer, line_number="0612345678")
    TerminationRequest.objects.create(
        customer=customer,
        subscription=subscription,
        reference="RES-API-1",
        effective_date=datetime.date(2026, 12, 31),
    )
    TerminationRequest.objects.create(
        customer=customer,
        reference="RES-API-2",
        effective_date=datetime.date(2027, 1, 31),
        status=TerminationStatus.PROCESSED,
        processed_at=timezone.now(),
    )
    token = make_token(Scope.REQUESTS_READ)
    body = api("GET", "/contact-requests?status=new", token).json()
    assert [r["reference"] for r in body["items"]] == ["DEM-API-000001"]
    assert body["items"][0]["message"] == "Ma box ne s'allume plus."
    assert body["items"][0]["request_type"] == RequestType.objects.first().label

    items = api("GET", "/termination-requests", token).json()["items"]
    assert items[0]["subscription"] == {
        "product_code": subscription.product.code,
        "start_date": "2024-01-15",
        "line_number": "0612345678",
    }
    assert items[1]["subscription"] is None  # the whole contract
    processed = api("GET", "/termination-requests?status=processed", token).json()
    assert [r["reference"] for r in processed["items"]] == ["RES-API-2"]


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("/payments", lambda c, n: payment(c, n)),
        ("/mandates", lambda c, n: mandate(c, n)),
        ("/contact-requests", contact_request),
        (
            "/termination-requests",
            lambda c, n: TerminationRequest.objects.create(
                customer=c,
                subscription=SubscriptionFactory(customer=c),
                reference=f"RES-Q-{n}",
                effective_date=datetime.date(2026, 12, 31),
            ),
        ),
    ],
)
def test_a_list_costs_the_same_queries_for_1_and_30_rows(api, make_token, path, make):
    token = make_token()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api("GET", f"{path}?page_size=100", token).status_code == 200
        return len(captured)

    api("GET", path, token)  # last_used_at is written on the first call of the minute
    make(CustomerFactory(), 0)
    one = queries()
    for n in range(1, 30):
        make(CustomerFactory(), n)
    assert queries() == one
