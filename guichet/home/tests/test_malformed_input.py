"""Malformed input never gives a 500 (issue 7, item 7): a table of nasty values thrown at
every GET parameter and form field of the portal and the back office.

Runs on SQLite and on PostgreSQL (DATABASE_URL): NUL bytes and integers out of range only
fail there, so the CI's PostgreSQL pass is the one that matters most.
"""

import base64
import itertools
import json

import pytest
from django.contrib import admin
from django.urls import reverse

from guichet.billing.tests.factories import InvoiceFactory
from guichet.catalog.tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

NESTED_JSON = "[" * 50_000 + "]" * 50_000
NASTY = [
    "\x00",
    "abc\x00def",
    "9" * 22,
    "-1",
    "NaN",
    "Infinity",
    "x" * 5000,
    "Zoë 😀 \u202e",
    "%",
    "' OR 1=1 --",
    NESTED_JSON[:2000],
    "",
]
# Values that break a typed field (a number, a date, an address, an id).
TYPE_BREAKERS = ["\x00", "9" * 22, "NaN", "x" * 3000]

_addresses = (f"10.{a}.{b}.1" for a, b in itertools.product(range(256), repeat=2))


def fresh_address() -> dict:
    """Each request from its own address: the per-address caps must not hide the form."""
    return {"REMOTE_ADDR": next(_addresses)}


@pytest.fixture(autouse=True)
def _server_errors_as_responses(client):
    # A failing view answers 500 instead of raising in the test: one run lists every case.
    client.raise_request_exception = False


def assert_no_server_error(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code}"


# --- back office -------------------------------------------------------------------------


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _admin_params(model_admin) -> list[tuple[str, list[str]]]:
    """The parameters a model admin reads itself: search, page, order, dates, filters."""
    params = [("q", NASTY), ("p", ["\x00", "9" * 22, "-1"]), ("o", ["\x00", "9" * 22, "1.x"])]
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        params.append((f"{field}__year", TYPE_BREAKERS))
        params += [(f"{field}__{part}", ["9" * 22, "\x00"]) for part in ("month", "day")]
        params.append((f"{field}__gte", TYPE_BREAKERS))
    for list_filter in model_admin.list_filter:
        if isinstance(list_filter, str):
            params.append((f"{list_filter}__exact", TYPE_BREAKERS))
    return params


ADMINS = sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)


@pytest.mark.parametrize(
    ("model", "model_admin"), ADMINS, ids=[model._meta.label_lower for model, _ in ADMINS]
)
def test_no_changelist_parameter_gives_a_server_error(admin_client, model, model_admin):
    url = _changelist(model)
    for name, values in _admin_params(model_admin):
        for value in values:
            response = admin_client.get(url, {name: value})
            assert_no_server_error(response, f"{url}?{name}={value[:30]!r}")


def _one_field_of_each_kind() -> list[tuple[str, str]]:
    """A lookup on a field of every kind the back office lists (the guard is generic, so one
    of each is enough to keep the run short)."""
    seen, lookups = set(), []
    for model, _ in ADMINS:
        for field in model._meta.concrete_fields:
            if type(field) in seen:
                continue
            seen.add(type(field))
            url = _changelist(model)
            lookups.append((url, field.attname))
            lookups.append((url, f"{field.attname}__gte"))
            if field.get_internal_type().endswith("AutoField") or field.is_relation:
                lookups.append((url, f"{field.attname}__in"))
    return lookups


def test_no_lookup_on_any_kind_of_field_gives_a_server_error(admin_client):
    for url, name in _one_field_of_each_kind():
        for value in TYPE_BREAKERS:
            response = admin_client.get(url, {name: value})
            assert_no_server_error(response, f"{url}?{name}={value[:30]!r}")


def test_the_audited_examples_get_a_clear_answer(admin_client):
    InvoiceFactory()
    for url in [
        "/back-office/accounts/securityevent/?ip_address=NaN",
        "/back-office/core/staffaccess/?ip_address=NaN",
        "/back-office/customers/customer/?q=%00",
        "/back-office/accounts/securityevent/?created_at__year=9999999999999999999999",
        "/back-office/billing/invoice/?issue_date__year=9999999999999999999999",
        "/back-office/billing/invoice/?issue_date__gte=9999999999999999999999",
        "/back-office/billing/invoice/?status=%00",
    ]:
        response = admin_client.get(url, follow=True)
        assert response.status_code == 200, url


def test_no_admin_action_or_form_value_gives_a_server_error(admin_client):
    subscription = SubscriptionFactory()
    customer = subscription.customer
    changelist = _changelist(type(customer))
    for value in NASTY:
        for data in (
            {"action": "delete_selected", "_selected_action": [value]},
            {"action": value, "_selected_action": [str(customer.pk)]},
        ):
            assert_no_server_error(admin_client.post(changelist, data), f"action {data}")
        for path in (f"{value}/change/", f"{value}/history/", f"{value}/delete/"):
            response = admin_client.get(changelist + path)
            assert_no_server_error(response, path[:40])
        autocomplete = admin_client.get(
            "/back-office/autocomplete/",
            {
                "term": value,
                "app_label": "catalog",
                "model_name": "subscription",
                "field_name": "product",
            },
        )
        assert_no_server_error(autocomplete, f"autocomplete {value[:30]!r}")
    change = f"{changelist}{customer.pk}/change/"
    form = admin_client.get(change).context["adminform"].form
    base = {name: form[name].value() or "" for name in form.fields}
    base.update(
        {
            "holders-TOTAL_FORMS": "0",
            "holders-INITIAL_FORMS": "0",
            "subscriptions-TOTAL_FORMS": "0",
            "subscriptions-INITIAL_FORMS": "0",
        }
    )
    one_of_each_kind = {type(field): name for name, field in form.fields.items()}.values()
    for name in one_of_each_kind:
        for value in TYPE_BREAKERS:
            response = admin_client.post(change, {**base, name: value})
            assert_no_server_error(response, f"customer form {name}={value[:30]!r}")


# --- portal --------------------------------------------------------------------------------


PORTAL_PAGES = [
    "/",
    "/connexion/",
    "/mot-de-passe-oublie/",
    "/mot-de-passe/termine/",
    "/accueil/",
    "/mes-services/",
    "/mes-services/internet/",
    "/mes-factures/",
    "/mes-donnees/mon-profil/",
    "/mes-donnees/nouveau-mot-de-passe/",
    "/donnees-personnelles/",
    "/accessibilite/",
    "/boite-de-demonstration/",
]
PORTAL_PARAMS = ["next", "page", "p", "q", "lang", "section"]


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "customer"])
def test_no_portal_parameter_gives_a_server_error(client, customer_user, logged_in):
    if logged_in:
        client.force_login(customer_user, backend="guichet.accounts.backends.CustomerBackend")
    for page in PORTAL_PAGES:
        for value in NASTY:
            # The portal reads few parameters: all of them at once keeps the run short.
            response = client.get(page, dict.fromkeys(PORTAL_PARAMS, value))
            assert_no_server_error(response, f"{page}?…={value[:30]!r}")


def test_no_portal_path_gives_a_server_error(customer_client, customer):
    InvoiceFactory(customer=customer)
    for value in ["9" * 22, "-1", "NaN", "%00", "x" * 300, "%C3%A9", "' OR 1=1", "%25"]:
        for path in [
            f"/mes-factures/{value}.pdf",
            f"/mes-factures/telecharger/{value}.pdf",
            f"/mes-services/{value}/",
            f"/boite-de-demonstration/{value}/",
            f"/mot-de-passe/{value}/{value}/",
            f"/mot-de-passe/MQ/{value}/",
            f"/{value}/",
        ]:
            assert_no_server_error(customer_client.get(path), path[:60])


def test_no_login_or_reset_form_value_gives_a_server_error(client, customer_user):
    forms = {
        "/connexion/": {"login": "01776108", "password": "mauvais", "next": "/accueil/"},
        "/mot-de-passe-oublie/": {"reference": "01776108", "postal_code": "68000", "captcha": "ok"},
        "/mot-de-passe/criteres/": {"password": "Girafe#Nuage7Lac", "uid": "MQ"},
    }
    for url, base in forms.items():
        for name in base:
            for value in NASTY:
                response = client.post(url, {**base, name: value}, **fresh_address())
                assert_no_server_error(response, f"{url} {name}={value[:30]!r}")


def test_no_profile_form_value_gives_a_server_error(customer_client):
    forms = [
        {"action": "identifier", "identifier": "claire.m"},
        {
            "action": "password",
            "old_password": "x",
            "new_password1": "Girafe#Nuage7Lac",
            "new_password2": "Girafe#Nuage7Lac",
        },
    ]
    for base in forms:
        for name in base:
            for value in NASTY:
                response = customer_client.post("/mes-donnees/mon-profil/", {**base, name: value})
                assert_no_server_error(response, f"profile {name}={value[:30]!r}")


def _altcha_payload(obj) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


@pytest.mark.parametrize(
    "payload",
    [
        base64.b64encode(NESTED_JSON.encode()).decode(),
        _altcha_payload({"algorithm": [[[[]]]], "challenge": {"a": 1}}),
        "!" * 100,
        "x" * 100_000,
    ],
    ids=["nested", "wrong-types", "not-base64", "huge"],
)
def test_a_malformed_anti_robot_payload_is_refused_with_a_message(
    client, customer_user, settings, payload
):
    settings.ALTCHA_TEST_MODE = False
    response = client.post(
        "/mot-de-passe-oublie/",
        {"reference": "01776108", "postal_code": "68000", "captcha": payload},
    )
    assert response.status_code == 200
    assert "La vérification anti-robot a échoué" in response.content.decode()


def test_past_the_address_cap_the_form_is_not_even_read(client, customer_user, settings):
    from altcha_django.signals import altcha_verification_failed

    settings.ALTCHA_TEST_MODE = False
    settings.GUICHET_RESET_MAX_PER_IP = 2
    parsed = []

    def count(**kwargs):
        parsed.append(kwargs)

    altcha_verification_failed.connect(count)
    try:
        data = {"reference": "01776108", "postal_code": "68000", "captcha": "!" * 100}
        for _ in range(2):
            assert client.post("/mot-de-passe-oublie/", data).status_code == 200
        assert len(parsed) == 2
        refused = client.post("/mot-de-passe-oublie/", data)
    finally:
        altcha_verification_failed.disconnect(count)
    assert refused.status_code == 429
    assert "Trop de demandes de lien" in refused.content.decode()
    assert len(parsed) == 2
