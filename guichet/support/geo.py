"""Which partner points are nearest a customer's installation address.

The customer has no coordinates of their own: a small table of postal-code centroids (the
operator's area, Alsace) places them, and a postal code outside it falls back to the same
postal code, then the same département. Haversine in Python: a few hundred points at most.
"""

import math
from collections.abc import Iterable

from .models import PartnerPoint

# Approximate centre of the main town of each postal code (latitude, longitude).
POSTAL_CODE_CENTROIDS: dict[str, tuple[float, float]] = {
    "67000": (48.5839, 7.7455),  # Strasbourg
    "67100": (48.5600, 7.7550),  # Strasbourg Neudorf, Meinau
    "67200": (48.5850, 7.7050),  # Strasbourg Cronenbourg, Hautepierre
    "67300": (48.6060, 7.7250),  # Schiltigheim
    "67400": (48.5420, 7.7110),  # Illkirch-Graffenstaden
    "67500": (48.8156, 7.7906),  # Haguenau
    "67600": (48.2594, 7.4542),  # Sélestat
    "67700": (48.7420, 7.3630),  # Saverne
    "67120": (48.5380, 7.4920),  # Molsheim
    "67210": (48.4620, 7.4820),  # Obernai
    "68000": (48.0794, 7.3585),  # Colmar
    "68100": (47.7508, 7.3359),  # Mulhouse
    "68200": (47.7480, 7.3100),  # Mulhouse Dornach, Bourtzwiller
    "68300": (47.5900, 7.5600),  # Saint-Louis
    "68500": (47.9100, 7.2100),  # Guebwiller
    "68700": (47.8080, 7.1830),  # Cernay
    "68800": (47.8120, 7.1730),  # Thann
    "68920": (48.0700, 7.3080),  # Wintzenheim
    "68130": (47.6200, 7.2400),  # Altkirch
    "68150": (48.1890, 7.3200),  # Ribeauvillé
    "68260": (47.7760, 7.3500),  # Kingersheim
    "68400": (47.7580, 7.4000),  # Riedisheim
}

EARTH_RADIUS_KM = 6371.0
# Farther than this, a point is no help to the customer (unless in their département).
MAX_DISTANCE_KM = 100.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def _departement(postal_code: str) -> str:
    return (postal_code or "").strip()[:2]


def partner_points_nearest(
    *, postal_code: str, points: Iterable[PartnerPoint], limit: int = 5
) -> list[tuple[PartnerPoint, float | None]]:
    """The `limit` points nearest `postal_code`, each with its distance in km when known.

    Points with coordinates within MAX_DISTANCE_KM come first, by distance, when the postal
    code is placed; then the others of the same postal code, then of the same département.
    Points elsewhere are left out: a point 400 km away does not help.
    """
    postal_code = (postal_code or "").strip()
    origin = POSTAL_CODE_CENTROIDS.get(postal_code)
    ranked = []
    for point in points:
        distance = None
        if origin is not None and point.latitude is not None and point.longitude is not None:
            distance = distance_km(origin, (float(point.latitude), float(point.longitude)))
        if distance is not None and distance > MAX_DISTANCE_KM:
            distance = None
        if distance is not None:
            key = (0, distance)
        elif point.postal_code == postal_code:
            key = (1, 0.0)
        elif _departement(point.postal_code) == _departement(postal_code):
            key = (2, 0.0)
        else:
            continue
        ranked.append((key, point.name, point.pk, point, distance))
    ranked.sort(key=lambda row: row[:3])
    return [(point, distance) for *_, point, distance in ranked[:limit]]
