"""« Mes services » (C1–C5)."""

import datetime
from html import unescape

import time_machine

from guichet.catalog.models import ProductKind
from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory

SECTION_TITLES = [
    "Mon offre TV",
    "Mes options",
    "Mon offre Internet",
    "Mon offre téléphonie fixe",
    "Mes forfaits",
    "Mon offre mobile",
]


def test_every_section_says_when_nothing_is_subscribed(customer_client):
    html = unescape(customer_client.get("/mes-services/").content.decode())
    for title in SECTION_TITLES:
        assert title in html
    assert "Vous n'avez pas d'offre TV." in html
    assert "Vous n'avez pas d'offre mobile." in html
    assert "contactez votre service client" in html


def test_it_shows_what_a_customer_looks_for(customer_client, customer):
    internet = ProductFactory(
        kind=ProductKind.INTERNET,
        name="EXTREME",
        description="La fibre.",
        characteristics="Débit descendant jusqu'à 1 Gbit/s\nDébit montant jusqu'à 500 Mbit/s",
        monthly_price_cents=3490,
    )
    SubscriptionFactory(
        customer=customer,
        product=internet,
        start_date=datetime.date(2021, 3, 15),
        equipment="Box fibre Wi-Fi 6",
    )
    html = unescape(customer_client.get("/mes-services/internet/").content.decode())
    assert "EXTREME" in html
    assert "La fibre." in html
    assert "Débit montant jusqu'à 500 Mbit/s" in html
    assert "34,90\u00a0€ TTC / mois" in html
    assert "15/03/2021" in html
    assert "Box fibre Wi-Fi 6" in html


def test_lines_show_their_number_in_french_format(customer_client, customer):
    SubscriptionFactory(
        customer=customer,
        product=ProductFactory(kind=ProductKind.MOBILE),
        line_number="+33612345678",
    )
    SubscriptionFactory(
        customer=customer,
        product=ProductFactory(kind=ProductKind.FIXED_PLAN, name="Forfait International"),
        line_number="+33389000000",
    )
    html = unescape(customer_client.get("/mes-services/").content.decode())
    assert "06 12 34 56 78" in html
    assert "03 89 00 00 00" in html
    assert "Forfait International" in html


def test_an_included_service_says_so(customer_client, customer):
    SubscriptionFactory(
        customer=customer, product=ProductFactory(kind=ProductKind.TV), price_cents=0
    )
    assert "Inclus dans votre offre" in customer_client.get("/mes-services/tv/").content.decode()


def test_a_section_page_shows_only_its_part(customer_client, customer):
    SubscriptionFactory(
        customer=customer, product=ProductFactory(kind=ProductKind.TV, name="TV EMOTION")
    )
    SubscriptionFactory(
        customer=customer, product=ProductFactory(kind=ProductKind.MOBILE, name="Mobile 10 Go")
    )
    response = customer_client.get("/mes-services/mobile/")
    html = unescape(response.content.decode())
    assert "Mobile 10 Go" in html
    assert "Vous n'avez pas d'offre TV" not in html
    # The current offer stays beside every page of « Mes services ».
    assert "TV EMOTION" in html and "Mon offre actuelle" in html
    assert 'aria-current="page">Mon offre mobile' in html


def test_an_unknown_section_is_404(customer_client):
    assert customer_client.get("/mes-services/cinema/").status_code == 404


@time_machine.travel(datetime.date(2026, 11, 26), tick=False)
def test_ended_and_future_services_are_not_current(customer_client, customer):
    SubscriptionFactory(
        customer=customer,
        product=ProductFactory(kind=ProductKind.TV_OPTION, name="Pack Sport"),
        start_date=datetime.date(2023, 1, 1),
        end_date=datetime.date(2025, 6, 30),
    )
    SubscriptionFactory(
        customer=customer,
        product=ProductFactory(kind=ProductKind.MOBILE, name="Mobile futur"),
        start_date=datetime.date(2027, 1, 1),
    )
    SubscriptionFactory(
        customer=customer,
        product=ProductFactory(kind=ProductKind.TV, name="TV qui finit"),
        start_date=datetime.date(2023, 1, 1),
        end_date=datetime.date(2026, 11, 26),
    )
    html = unescape(customer_client.get("/mes-services/").content.decode())
    assert "Vous n'avez pas d'option TV." in html
    assert "Services terminés" in html and "30/06/2025" in html
    assert "Mobile futur" not in html
    assert "TV qui finit" in html and "Fin prévue le" in html


def test_it_never_shows_another_customers_services(customer_client, other_customer):
    SubscriptionFactory(
        customer=other_customer,
        product=ProductFactory(name="Offre Secrète"),
        line_number="+33612345699",
    )
    html = unescape(customer_client.get("/mes-services/").content.decode())
    assert "Offre Secrète" not in html
    assert "06 12 34 56 99" not in html
