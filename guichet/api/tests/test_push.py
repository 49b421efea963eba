"""Pushes: customers, subscriptions and invoices through the file imports' own validation."""

import copy
import datetime

import pytest
import time_machine

from guichet.api.models import Scope
from guichet.billing.models import Invoice
from guichet.catalog.models import Subscription
from guichet.catalog.tests.factories import ProductFactory
from guichet.customers.models import Customer

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "reference": "01900001",
    "contract_postal_code": "68000",
    "installation_street": "3 rue des Clefs",
    "installation_postal_code": "68000",
    "installation_city": "Colmar",
    "contact_email": "anne@example.org",
    "phone_mobile": "06 12 34 56 78",
    "holders": [{"civility": "Mme", "first_name": "Anne", "last_name": "Meyer"}],
}
INVOICE = {
    "number": "F2026-0001",
    "customer_reference": "01776108",
    "issue_date": "2026-11-25",
    "period": "2026-11",
    "due_date": "2026-12-10",
    "payment_method": "on_receipt",
    "lines": [
        {"label": "Offre Confort", "vat_rate": 20, "amount_incl_vat_cents": 5990},
        {"group": "third_party", "label": "Vidéo", "vat_rate": "5,5", "amount_incl_vat_cents": 499},
    ],
}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 9, tzinfo=datetime.UTC), tick=False):
        yield


def with_(base, **changes):
    item = copy.deepcopy(base)
    item.update(changes)
    return item


def test_it_creates_then_updates_customers_by_reference(api, make_token):
    token = make_token(Scope.CUSTOMERS_WRITE)
    response = api("POST", "/customers", token, {"items": [CUSTOMER]})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "refused": 0,
        "results": [{"index": 0, "key": "01900001", "status": "created", "errors": []}],
    }
    customer = Customer.objects.get(reference="01900001")
    assert customer.phone_mobile == "+33612345678"
    assert customer.billing_city == "Colmar"
    assert [h.last_name for h in customer.holders.all()] == ["Meyer"]

    moved = with_(CUSTOMER, installation_city="Mulhouse", installation_postal_code="68100")
    response = api("POST", "/customers", token, {"items": [moved]})
    assert response.json()["results"][0]["status"] == "updated"
    assert Customer.objects.get(reference="01900001").installation_city == "Mulhouse"


def test_pushing_the_same_customers_twice_changes_nothing(api, make_token):
    token = make_token(Scope.CUSTOMERS_WRITE)
    api("POST", "/customers", token, {"items": [CUSTOMER]})
    before = list(Customer.objects.values())
    response = api("POST", "/customers", token, {"items": [CUSTOMER]})
    assert response.json()["unchanged"] == 1
    assert list(Customer.objects.values()) == before


def test_a_bad_customer_is_refused_whole_and_the_others_stored(api, make_token):
    token = make_token(Scope.CUSTOMERS_WRITE)
    bad = with_(CUSTOMER, reference="01900002", installation_postal_code="680")
    good = with_(CUSTOMER, reference="01900003")
    duplicate = with_(CUSTOMER, reference="01900003")
    response = api("POST", "/customers", token, {"items": [bad, good, duplicate]})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:guichet:api:problem:items-refused"
    assert [(r["index"], r["status"]) for r in body["results"]] == [
        (0, "refused"),
        (1, "created"),
        (2, "refused"),
    ]
    errors = body["errors"]
    assert {e["index"] for e in errors} == {0, 2}
    assert any(e["field"] == "installation_postal_code" for e in errors if e["index"] == 0)
    assert not Customer.objects.filter(reference="01900002").exists()
    assert Customer.objects.filter(reference="01900003").exists()


def test_subscriptions_by_customer_product_and_start_date(api, make_token, customer):
    ProductFactory(code="fibre-1g")
    token = make_token(Scope.SUBSCRIPTIONS_WRITE)
    item = {
        "customer_reference": customer.reference,
        "product_code": "fibre-1g",
        "start_date": "01/02/2025",
    }
    assert api("POST", "/subscriptions", token, {"items": [item]}).json()["created"] == 1
    assert api("POST", "/subscriptions", token, {"items": [item]}).json()["unchanged"] == 1
    ended = {**item, "end_date": "2026-12-31"}
    assert api("POST", "/subscriptions", token, {"items": [ended]}).json()["updated"] == 1
    subscription = Subscription.objects.get(customer=customer)
    assert subscription.end_date == datetime.date(2026, 12, 31)

    unknown = [
        {**item, "customer_reference": "01234567"},
        {**item, "product_code": "nope"},
        {**item, "start_date": "31/02/2025"},
        {**item, "end_date": "2020-01-01"},
    ]
    body = api("POST", "/subscriptions", token, {"items": unknown}).json()
    assert body["refused"] == 4
    assert all(r["errors"] for r in body["results"])
    assert Subscription.objects.count() == 1


def test_pushed_invoices_are_issued_and_shown_in_mes_factures(
    api, make_token, customer, customer_client
):
    token = make_token(Scope.INVOICES_WRITE)
    response = api("POST", "/invoices", token, {"items": [INVOICE]})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == [
        {"index": 0, "key": "F2026-0001", "status": "created", "errors": []}
    ]
    invoice = Invoice.objects.get(number="F2026-0001")
    assert invoice.customer == customer
    assert invoice.total_incl_vat_cents == 6489
    page = customer_client.get("/mes-factures/")
    assert "F2026-0001" in page.content.decode()


def test_an_issued_invoice_never_changes(api, make_token, customer):
    token = make_token(Scope.INVOICES_WRITE)
    api("POST", "/invoices", token, {"items": [INVOICE]})
    changed = with_(INVOICE, lines=[{"label": "Autre", "vat_rate": 20, "amount_incl_vat_cents": 1}])
    body = api("POST", "/invoices", token, {"items": [changed]}).json()
    assert body["results"][0]["status"] == "unchanged"
    assert Invoice.objects.get(number="F2026-0001").total_incl_vat_cents == 6489


def test_a_bad_invoice_is_refused_with_its_reasons(api, make_token, customer):
    token = make_token(Scope.INVOICES_WRITE)
    bad = [
        with_(INVOICE, number="F-2", customer_reference="07777777"),
        with_(INVOICE, number="F-3", issue_date="2030-01-01"),
        with_(INVOICE, number="F-4", period="2026-13"),
        with_(
            INVOICE,
            number="F-5",
            lines=[{"label": "x", "vat_rate": "19,6x", "amount_incl_vat_cents": 1}],
        ),
        with_(
            INVOICE,
            number="F-6",
            lines=[{"label": "x", "vat_rate": 20, "amount_incl_vat_cents": -100}],
        ),
    ]
    response = api("POST", "/invoices", token, {"items": bad})
    assert response.status_code == 422
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["refused"] * 5
    assert all(r["errors"] for r in body["results"])
    assert any(e["field"] == "period" for e in body["errors"])
    assert not Invoice.objects.exists()
