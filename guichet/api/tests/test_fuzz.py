"""Bad input of any shape gets problem details (400, 413 or 422 with field errors), never a 500."""

import json

import pytest

from guichet.api.models import Scope

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "reference": "01900001",
    "contract_postal_code": "68000",
    "installation_street": "3 rue des Clefs",
    "installation_postal_code": "68000",
    "installation_city": "Colmar",
    "holders": [{"last_name": "Meyer"}],
}
LINE = {"label": "Offre", "vat_rate": 20, "amount_incl_vat_cents": 5990}
INVOICE = {
    "number": "F-1",
    "customer_reference": "01776108",
    "issue_date": "2026-01-25",
    "period": "2026-01",
    "due_date": "2026-02-10",
    "lines": [LINE],
}
SUBSCRIPTION = {"customer_reference": "01776108", "product_code": "x", "start_date": "2025-01-01"}

RAW_BODIES = [
    "",
    "{",
    "null",
    "[]",
    "123",
    '"items"',
    "true",
    "{}",
    '{"items": null}',
    '{"items": {}}',
    '{"items": "x"}',
    '{"items": [null]}',
    '{"items": [1, 2]}',
    '{"items": [[]]}',
    '{"items": [{}]}',
    "[" * 100000,
    '{"items": [' + "[" * 5000 + "]" * 5000 + "]}",
    b"\xff\xfe\x00",
    '"\\ud800"',
    "NaN",
    '{"items": [], "extra": 1}',
]


def item_mutations(base: dict):
    """Each field replaced by values of every wrong type, removed, and an unknown field."""
    wrong = [None, 1, -1, 1.5, True, "", "x" * 300, [], {}, "\x00", "\ud800", "💥", "1e400", 10**30]
    for name in base:
        for value in wrong:
            yield {**base, name: value}
        yield {key: v for key, v in base.items() if key != name}
    yield {**base, "unknown": "x"}


def cases():
    for path in ("/customers", "/invoices", "/subscriptions"):
        for raw in RAW_BODIES:
            yield path, raw
    for base, path in (
        (CUSTOMER, "/customers"),
        (INVOICE, "/invoices"),
        (SUBSCRIPTION, "/subscriptions"),
    ):
        for item in item_mutations(base):
            yield path, json.dumps({"items": [item]})
    for line in item_mutations(LINE):
        yield "/invoices", json.dumps({"items": [{**INVOICE, "lines": [line]}]})
    yield "/customers", json.dumps({"items": [CUSTOMER] * 501})
    yield "/customers", json.dumps({"items": [{**CUSTOMER, "holders": [{"last_name": "A"}] * 4}]})


CASES = list(cases())


def assert_problem(response):
    assert response.status_code in (400, 413, 422), (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == response.status_code
    if response.status_code == 422:
        assert body["errors"], body
        for error in body["errors"]:
            assert set(error) >= {"field", "message"} and error["message"]
    return body


def test_every_bad_push_gets_problem_details(api, make_token, customer):
    token = make_token()
    for path, raw in CASES:
        response = api("POST", path, token, raw=raw)
        if response.status_code == 200:
            # Some mutations are valid (an optional field emptied): they must be stored fine.
            continue
        assert_problem(response)


def test_field_errors_name_the_item_and_field(api, make_token):
    body = {"items": [CUSTOMER, {**CUSTOMER, "holders": [{"first_name": "A"}], "reference": 1}]}
    response = api("POST", "/customers", make_token(Scope.CUSTOMERS_WRITE), body)
    problem = assert_problem(response)
    assert problem["type"] == "urn:guichet:api:problem:validation"
    assert {(e.get("index"), e["field"]) for e in problem["errors"]} == {
        (1, "items[1].reference"),
        (1, "items[1].holders[0].last_name"),
    }
    messages = {e["message"] for e in problem["errors"]}
    assert messages == {"une chaîne de caractères est attendue", "champ obligatoire"}


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "since=2026-13-01",
        "page=0",
        "page=-1",
        "page=abc",
        "page_size=1000",
        "page_size=0",
        "status=nope",
        "since=" + "9" * 400,
        "customer_reference=" + "1" * 50,
    ],
)
@pytest.mark.parametrize(
    "path", ["/payments", "/mandates", "/contact-requests", "/termination-requests"]
)
def test_bad_filters_get_problem_details(api, make_token, path, query):
    response = api("GET", f"{path}?{query}", make_token())
    body = assert_problem(response)
    assert body["errors"][0]["field"] in query


def test_an_oversized_body_is_a_413(api, make_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api("POST", "/customers", make_token(), {"items": [CUSTOMER] * 20})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_a_wrong_method_is_a_405_problem(client, method, make_token):
    response = getattr(client, method)(
        "/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {make_token()}"
    )
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert "POST" in response["Allow"]


def test_an_unknown_address_is_a_404_problem(client, db):
    for path in ("/api/", "/api/v1/nope", "/api/v2/customers"):
        response = client.post(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"


def test_a_union_field_is_named_once_without_its_members(api, make_token):
    body = {"items": [{**INVOICE, "lines": [{**LINE, "vat_rate": None}]}]}
    problem = assert_problem(api("POST", "/invoices", make_token(Scope.INVOICES_WRITE), body))
    assert {e["field"] for e in problem["errors"]} == {"items[0].lines[0].vat_rate"}
