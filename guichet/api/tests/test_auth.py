"""Who may call the API: tokens, scopes, revocation, the rate limit, and the audit of it all."""

import hashlib

import pytest
from django.db import connection
from django.test import Client

from guichet.api.models import ApiCall, ApiClient, Scope
from guichet.api.services import api_client_revoke

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("POST", "/customers", Scope.CUSTOMERS_WRITE),
    ("POST", "/subscriptions", Scope.SUBSCRIPTIONS_WRITE),
    ("POST", "/invoices", Scope.INVOICES_WRITE),
    ("GET", "/payments", Scope.PAYMENTS_READ),
    ("GET", "/mandates", Scope.MANDATES_READ),
    ("GET", "/contact-requests", Scope.REQUESTS_READ),
    ("GET", "/termination-requests", Scope.REQUESTS_READ),
]


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["type"] and "detail" in body
    return body


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
def test_each_endpoint_refuses_a_token_without_its_scope(api, make_token, method, path, scope):
    others = [s for s in Scope.values if s != scope]
    response = api(
        method, path, make_token(*others), body={"items": []} if method == "POST" else None
    )
    body = assert_problem(response, 403)
    assert body["required_scope"] == scope
    assert scope in body["detail"]


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
def test_each_endpoint_accepts_a_token_with_its_scope(api, make_token, method, path, scope):
    response = api(
        method, path, make_token(scope), body={"items": []} if method == "POST" else None
    )
    # An empty batch is refused by its shape (422), never by the token.
    assert response.status_code == (422 if method == "POST" else 200)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer gch_00000000_nope",
        "Bearer not-a-token",
        "Token gch_x_y",
        "Bearer " + "x" * 5000,
    ],
)
def test_a_missing_or_unknown_token_is_a_401_with_a_challenge(client, db, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = client.get("/api/v1/payments", **headers)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_at_once(api, token):
    assert api("GET", "/payments", token).status_code == 200
    api_client_revoke(client=ApiClient.objects.get(name="erp"))
    assert_problem(api("GET", "/payments", token), 401)


def test_a_token_with_a_right_prefix_and_wrong_secret_is_refused(api, token):
    assert_problem(api("GET", "/payments", token[:-2] + "xx"), 401)


def test_the_database_never_holds_the_token(token):
    client = ApiClient.objects.get(name="erp")
    assert client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    secret = token.rsplit("_", 1)[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apiclient")
        rows = repr(cursor.fetchall())
    assert secret not in rows and token not in rows
    assert client.token_prefix in token


def test_a_session_cookie_does_not_authenticate_the_api(customer_client, admin_client):
    for browser in (customer_client, admin_client):
        response = browser.get("/api/v1/payments")
        assert_problem(response, 401)


def test_a_token_needs_no_csrf_token(make_token):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        "/api/v1/customers",
        data={"items": []},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {make_token(Scope.CUSTOMERS_WRITE)}",
    )
    assert response.status_code == 422


def test_over_the_rate_limit_is_a_429_with_retry_after(api, token, settings, make_token):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    for _ in range(3):
        assert api("GET", "/payments", token).status_code == 200
    response = api("GET", "/payments", token)
    assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another client has a counter of its own.
    assert api("GET", "/payments", make_token(name="crm")).status_code == 200


def test_calls_without_a_valid_token_are_limited_per_address(api, token, settings):
    settings.API_REFUSED_PER_MINUTE = 3
    for bad in ["gch_bad_token", "", "gch_0000_guess"]:
        assert api("GET", "/payments", bad).status_code == 401
    response = api("GET", "/payments", "gch_1111_guess")
    assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    # A client with its token is not held back by others' refused calls.
    assert api("GET", "/payments", token).status_code == 200


def test_every_call_is_audited_refused_ones_included(api, token, make_token):
    api("GET", "/payments?page=2", token)
    api("GET", "/payments", "gch_bad_token")
    api("GET", "/mandates", make_token(Scope.PAYMENTS_READ, name="compta"))
    api("GET", "/nowhere", token)
    calls = list(
        ApiCall.objects.order_by("pk").values_list("client__name", "method", "path", "status")
    )
    assert calls == [
        ("erp", "GET", "/api/v1/payments", 200),
        (None, "GET", "/api/v1/payments", 401),
        ("compta", "GET", "/api/v1/mandates", 403),
        (None, "GET", "/api/v1/nowhere", 404),
    ]
    call = ApiCall.objects.first()
    assert call.remote_address == "127.0.0.1" and call.duration_ms >= 0
    assert token not in repr(list(ApiCall.objects.values()))


def test_last_used_at_is_recorded(api, token):
    api("GET", "/payments", token)
    assert ApiClient.objects.get(name="erp").last_used_at is not None


def test_errors_follow_the_language_asked(api):
    english = api("GET", "/payments", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
    assert assert_problem(english, 401)["title"] == "Authentication required"
    french = api("GET", "/payments")
    assert french["Content-Language"] == "fr"
    assert assert_problem(french, 401)["title"] == "Authentification requise"
