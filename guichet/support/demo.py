"""Demo data of « Contactez-nous »: a few partner points in Alsace (fictional names, phones of
the range kept for fiction). The request types come with the app's data migration."""

from decimal import Decimal

from .models import PartnerPoint

HOURS_WEEK = "Du mardi au vendredi : 9 h – 12 h et 14 h – 18 h 30\nLe samedi : 9 h – 17 h"
HOURS_SHORT = "Du lundi au vendredi : 10 h – 19 h\nFermé le week-end"

DEMO_PARTNER_POINTS = [
    ("Boutique Connect Colmar", "12 rue des Clefs", "68000", "Colmar", "03 89 99 00 01",
     HOURS_WEEK, "48.07830", "7.35630"),
    ("Relais Fibre Wintzenheim", "5 place de l'Église", "68920", "Wintzenheim", "03 89 99 00 02",
     HOURS_SHORT, "48.07310", "7.29000"),
    ("Espace Multimédia Mulhouse", "28 rue du Sauvage", "68100", "Mulhouse", "03 89 99 00 03",
     HOURS_WEEK, "47.74700", "7.33900"),
    ("Point Services Strasbourg", "7 rue des Grandes Arcades", "67000", "Strasbourg",
     "03 88 99 00 04", HOURS_WEEK, "48.58340", "7.74700"),
    ("Atelier Numérique Sélestat", "3 rue des Chevaliers", "67600", "Sélestat",
     "03 88 99 00 05", HOURS_SHORT, "48.25990", "7.45300"),
    # No coordinates known yet: found by postal code and département.
    ("Comptoir Télécom Guebwiller", "40 rue de la République", "68500", "Guebwiller",
     "03 89 99 00 06", HOURS_SHORT, None, None),
]  # fmt: skip


def demo_partner_points() -> int:
    """Create the missing demo partner points; returns how many were created."""
    created = 0
    for name, street, postal_code, city, phone, hours, latitude, longitude in DEMO_PARTNER_POINTS:
        _, was_created = PartnerPoint.objects.get_or_create(
            name=name,
            defaults={
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "phone": phone,
                "opening_hours": hours,
                "latitude": Decimal(latitude) if latitude else None,
                "longitude": Decimal(longitude) if longitude else None,
            },
        )
        created += was_created
    return created
