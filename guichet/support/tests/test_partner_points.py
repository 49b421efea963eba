"""Partner points (H3): nearest the customer's installation address first."""

from decimal import Decimal

import pytest

from guichet.support.demo import demo_partner_points
from guichet.support.geo import distance_km, partner_points_nearest
from guichet.support.models import PartnerPoint

pytestmark = pytest.mark.django_db


def _names(postal_code):
    points = partner_points_nearest(postal_code=postal_code, points=PartnerPoint.objects.active())
    return [point.name for point, _ in points]


def test_distance_colmar_mulhouse_is_about_37_km():
    assert 35 < distance_km((48.0794, 7.3585), (47.7508, 7.3359)) < 38


def test_a_colmar_customer_sees_colmar_then_the_nearest_towns():
    demo_partner_points()
    names = _names("68000")
    assert names[:5] == [
        "Boutique Connect Colmar",
        "Relais Fibre Wintzenheim",
        "Atelier Numérique Sélestat",
        "Espace Multimédia Mulhouse",
        "Point Services Strasbourg",
    ]


def test_points_without_coordinates_come_by_postal_code_then_departement():
    PartnerPoint.objects.create(
        name="Même département", street="1 rue", postal_code="68300", city="Saint-Louis"
    )
    PartnerPoint.objects.create(
        name="Même code postal", street="1 rue", postal_code="68999", city="X"
    )
    PartnerPoint.objects.create(name="Ailleurs", street="1 rue", postal_code="75001", city="Paris")
    # A postal code without a centroid: no distance, so code postal, then département.
    assert _names("68999") == ["Même code postal", "Même département"]


def test_a_faraway_point_with_coordinates_is_left_out():
    PartnerPoint.objects.create(
        name="Paris",
        street="1 rue",
        postal_code="75001",
        city="Paris",
        latitude=Decimal("48.86"),
        longitude=Decimal("2.34"),
    )
    PartnerPoint.objects.create(name="Colmar", street="1 rue", postal_code="68000", city="Colmar")
    assert _names("68000") == ["Colmar"]


def test_inactive_points_are_not_shown(customer_client):
    demo_partner_points()
    PartnerPoint.objects.filter(name="Boutique Connect Colmar").update(active=False)
    html = customer_client.get("/contactez-nous/").content.decode()
    assert "Boutique Connect Colmar" not in html
    assert "Relais Fibre Wintzenheim" in html


def test_the_contact_page_lists_the_nearest_with_address_phone_and_hours(customer_client):
    demo_partner_points()
    html = customer_client.get("/contactez-nous/").content.decode()
    assert "Vous cherchez un point d'accueil partenaire ?" in html
    colmar = html.index("Boutique Connect Colmar")
    assert (
        colmar < html.index("Relais Fibre Wintzenheim") < html.index("Espace Multimédia Mulhouse")
    )
    assert "12 rue des Clefs" in html
    assert "03 89 99 00 01" in html
    assert "Du mardi au vendredi" in html
    assert "à 0 km environ" in html or "à 1 km environ" in html


def test_with_no_point_near_the_page_says_so(customer_client):
    PartnerPoint.objects.create(name="Paris", street="1 rue", postal_code="75001", city="Paris")
    html = customer_client.get("/contactez-nous/").content.decode()
    assert "Aucun point d'accueil partenaire près de chez vous" in html
