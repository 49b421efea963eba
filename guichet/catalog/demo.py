"""Demo catalogue and subscriptions, loaded by the demo app's `load_demo`.

Only what is missing is created, so loading twice changes nothing.
"""

import datetime

from guichet.customers.demo import DEMO_REFERENCE
from guichet.customers.models import Customer

from .models import Product, ProductKind, Subscription
from .services import product_create, subscription_create

K = ProductKind
PRODUCTS = [
    # code, kind, name, description, characteristics, price (cents), VAT (bp)
    (
        "offre-confort",
        K.BUNDLE,
        "Offre Confort",
        "La TV, Internet très haut débit et le téléphone fixe réunis.",
        "TV EMOTION + Internet EXTREME + téléphonie fixe\nBox fibre et décodeur TV 4K fournis",
        5990,
        2000,
    ),
    (
        "offre-essentiel",
        K.BUNDLE,
        "Offre Essentiel",
        "L'essentiel de la TV et d'Internet à petit prix.",
        "TV ESSENTIEL + Internet ESSENTIEL",
        3990,
        2000,
    ),
    (
        "tv-emotion",
        K.TV,
        "TV EMOTION",
        "Plus de 150 chaînes dont les chaînes régionales et frontalières.",
        "150 chaînes dont 60 en HD\nReplay et contrôle du direct\nEnregistrement 100 heures",
        2490,
        1000,
    ),
    (
        "tv-essentiel",
        K.TV,
        "TV ESSENTIEL",
        "Les chaînes de la TNT et 30 chaînes thématiques.",
        "60 chaînes\nReplay",
        1290,
        1000,
    ),
    (
        "option-canal",
        K.TV_OPTION,
        "Pour accès aux chaînes CANAL+",
        "Donne accès aux chaînes CANAL+ sur votre décodeur (abonnement CANAL+ souscrit à part).",
        "Activation sur le décodeur",
        300,
        2000,
    ),
    (
        "option-sport",
        K.TV_OPTION,
        "Pack Sport",
        "Les grandes compétitions en direct.",
        "8 chaînes de sport",
        990,
        1000,
    ),
    (
        "internet-extreme",
        K.INTERNET,
        "EXTREME",
        "Internet très haut débit par la fibre.",
        "Débit descendant jusqu'à 1 Gbit/s\nDébit montant jusqu'à 500 Mbit/s\nWi-Fi 6",
        3490,
        2000,
    ),
    (
        "internet-essentiel",
        K.INTERNET,
        "ESSENTIEL",
        "Internet haut débit pour toute la famille.",
        "Débit descendant jusqu'à 300 Mbit/s\nDébit montant jusqu'à 100 Mbit/s",
        2490,
        2000,
    ),
    (
        "tel-fixe",
        K.FIXED,
        "Téléphonie fixe",
        "Votre ligne fixe sur la box, numéro conservé.",
        "Appels illimités vers les fixes de France métropolitaine\nPrésentation du numéro",
        500,
        2000,
    ),
    (
        "forfait-mobiles",
        K.FIXED_PLAN,
        "Forfait illimité vers les mobiles",
        "Appels illimités depuis votre fixe vers les mobiles de France métropolitaine.",
        "Appels illimités vers les mobiles en France",
        500,
        2000,
    ),
    (
        "forfait-international",
        K.FIXED_PLAN,
        "Forfait International",
        "Appels vers les fixes de 100 destinations.",
        "100 destinations\n3 heures par mois",
        790,
        2000,
    ),
    (
        "mobile-10go",
        K.MOBILE,
        "Mobile 10 Go",
        "Forfait mobile sans engagement.",
        "Appels et SMS illimités\n10 Go d'Internet mobile en 5G",
        990,
        2000,
    ),
    (
        "mobile-100go",
        K.MOBILE,
        "Mobile 100 Go",
        "Forfait mobile sans engagement.",
        "Appels et SMS illimités\n100 Go d'Internet mobile en 5G\n15 Go en Europe",
        1990,
        2000,
    ),
]

D = datetime.date
# By customer reference: product code, start, end, line number, price (cents), equipment.
SUBSCRIPTIONS = {
    DEMO_REFERENCE: [
        ("offre-confort", D(2021, 3, 15), None, "", None, ""),
        ("tv-emotion", D(2021, 3, 15), None, "", 0, "Décodeur TV 4K"),
        ("option-canal", D(2022, 9, 1), None, "", None, ""),
        ("internet-extreme", D(2021, 3, 15), None, "", 0, "Box fibre Wi-Fi 6"),
        ("tel-fixe", D(2021, 3, 15), None, "+33353200101", 0, ""),
        # A mobile line too, so that the guide's subscriber can try every journey (« Résilier »).
        ("mobile-10go", D(2023, 6, 1), None, "+33612345601", None, "Carte SIM"),
    ],
    "01776109": [
        ("offre-essentiel", D(2020, 6, 1), None, "", None, ""),
        ("tv-essentiel", D(2020, 6, 1), None, "", 0, "Décodeur TV HD"),
        ("internet-essentiel", D(2020, 6, 1), None, "", 0, "Box fibre"),
        ("mobile-10go", D(2023, 1, 10), None, "+33612345602", None, "Carte SIM"),
        ("mobile-100go", D(2023, 1, 10), None, "+33612345612", None, "Carte SIM"),
    ],
    "01776110": [
        ("internet-extreme", D(2024, 2, 20), None, "", None, "Box fibre Wi-Fi 6"),
    ],
    "01776111": [
        ("internet-essentiel", D(2022, 5, 2), None, "", None, "Box fibre"),
        ("tel-fixe", D(2022, 5, 2), None, "+33353200104", None, ""),
        ("forfait-mobiles", D(2022, 5, 2), None, "+33353200104", None, ""),
        ("forfait-international", D(2023, 11, 1), None, "+33353200104", None, ""),
        ("mobile-10go", D(2022, 5, 2), None, "+33612345604", None, "Carte SIM"),
    ],
    "01776112": [
        ("tv-emotion", D(2019, 10, 1), None, "", None, "Décodeur TV 4K"),
        ("option-sport", D(2023, 9, 1), D(2025, 6, 30), "", None, ""),
        ("internet-extreme", D(2019, 10, 1), None, "", None, "Box fibre Wi-Fi 6"),
    ],
    "01776113": [
        ("mobile-100go", D(2024, 7, 8), None, "+33612345606", None, "Carte SIM"),
    ],
    "01776114": [
        ("offre-confort", D(2018, 4, 3), None, "", None, ""),
        ("tv-emotion", D(2018, 4, 3), None, "", 0, "Décodeur TV 4K"),
        ("option-canal", D(2019, 1, 1), None, "", None, ""),
        ("option-sport", D(2020, 8, 15), None, "", None, ""),
        ("internet-extreme", D(2018, 4, 3), None, "", 0, "Box fibre Wi-Fi 6"),
        ("tel-fixe", D(2018, 4, 3), None, "+33353200107", 0, ""),
        ("forfait-mobiles", D(2018, 4, 3), None, "+33353200107", None, ""),
    ],
}


def demo_products() -> tuple[dict[str, Product], int]:
    """The demo products by code, and how many were created now."""
    products = {p.code: p for p in Product.objects.filter(code__in=[row[0] for row in PRODUCTS])}
    created = 0
    for code, kind, name, description, characteristics, price, vat in PRODUCTS:
        if code in products:
            continue
        products[code] = product_create(
            code=code,
            kind=kind,
            name=name,
            description=description,
            characteristics=characteristics,
            monthly_price_cents=price,
            vat_rate_bp=vat,
        )
        created += 1
    return products, created


def demo_subscriptions(*, customers: dict[str, Customer], products: dict[str, Product]) -> int:
    """Subscribe the demo customers (the missing subscriptions only); returns how many."""
    created = 0
    for reference, rows in SUBSCRIPTIONS.items():
        customer = customers[reference]
        for code, start, end, line, price, equipment in rows:
            product = products[code]
            if Subscription.objects.filter(
                customer=customer, product=product, start_date=start
            ).exists():
                continue
            subscription_create(
                customer=customer,
                product=product,
                start_date=start,
                end_date=end,
                line_number=line,
                price_cents=price,
                equipment=equipment,
            )
            created += 1
    return created
