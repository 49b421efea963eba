"""The home page (B1, B2, B3)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.billing.tests.factories import InvoiceFactory
from guichet.catalog.models import ProductKind
from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory
from guichet.customers.tests.factories import HolderFactory


def test_it_shows_the_customer_information(customer_client, customer):
    html = customer_client.get("/accueil/").content.decode()
    assert "Bienvenue" in html
    assert "Mes informations" in html
    assert "01776108" in html
    assert "Mme Claire MULLER" in html
    assert "68000 COLMAR" in html
    assert customer.installation_street in html


def test_it_names_every_holder(customer_client, customer):
    HolderFactory(
        customer=customer, civility="M.", first_name="Paul", last_name="Muller", position=2
    )
    html = customer_client.get("/accueil/").content.decode()
    assert "Titulaires" in html
    assert "Mme Claire MULLER" in html and "M. Paul MULLER" in html


def test_it_shows_the_current_offer(customer_client, customer):
    for kind, name in [
        (ProductKind.BUNDLE, "Offre Confort"),
        (ProductKind.TV, "TV EMOTION"),
        (ProductKind.TV_OPTION, "Pour accès aux chaînes CANAL+"),
        (ProductKind.INTERNET, "EXTREME"),
    ]:
        SubscriptionFactory(customer=customer, product=ProductFactory(kind=kind, name=name))
    html = customer_client.get("/accueil/").content.decode()
    assert "Mon offre actuelle" in html
    for label in (
        "Offre Confort",
        "OFFRE TV",
        "TV EMOTION",
        "OPTIONS",
        "CANAL+",
        "OFFRE INTERNET",
        "EXTREME",
    ):
        assert label in html


def test_it_never_shows_another_customers_data(customer_client, customer, other_customer):
    SubscriptionFactory(customer=other_customer, product=ProductFactory(name="Offre Secrète"))
    html = customer_client.get("/accueil/").content.decode()
    assert "09999999" not in html
    assert "99 rue Secrète" not in html
    assert "AUTRE" not in html
    assert "Offre Secrète" not in html


def test_staff_without_a_customer_get_403(client, staff):
    client.force_login(staff)
    assert client.get("/accueil/").status_code == 403


def test_the_menu_and_footer_are_there(customer_client):
    html = customer_client.get("/accueil/").content.decode()
    for label in (
        "Mes services",
        "Mon offre TV",
        "Mes options",
        "Mon offre Internet",
        "Mon offre téléphonie fixe",
        "Mes forfaits",
        "Mon offre mobile",
        "Données personnelles",
        "Accessibilité : partiellement conforme",
    ):
        assert label in html


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accueil/").status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/accueil/",
        "/mes-services/",
        "/mes-services/mobile/",
        "/mes-donnees/mon-profil/",
        "/donnees-personnelles/",
    ],
)
def test_query_budget_does_not_grow_with_subscriptions(customer_client, customer, url):
    SubscriptionFactory(customer=customer)
    customer_client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        customer_client.get(url)
    products = [ProductFactory(kind=kind) for kind in ProductKind.values]
    for n in range(29):
        SubscriptionFactory(
            customer=customer, product=products[n % len(products)], line_number="+33612345678"
        )
    with CaptureQueriesContext(connection) as thirty:
        response = customer_client.get(url)
    assert response.status_code == 200
    assert len(thirty) == len(one)
    assert len(thirty) <= 10


def test_root_sends_visitors_to_login_and_customers_home(client, customer_client):
    assert customer_client.get("/").url == "/accueil/"


def test_home_query_budget_with_the_balance(customer_client, customer):
    """Five queries: the user, the holders, the subscriptions, and the balance's two (open
    invoices with what settled them; the credit), whatever the number of invoices."""
    InvoiceFactory(customer=customer)
    customer_client.get("/accueil/")  # warm the session
    assert _home_queries(customer_client) == 5
    for _ in range(12):
        InvoiceFactory(customer=customer)
    assert _home_queries(customer_client) == 5
