"""Demo data: a fictional catalogue and customers, loaded by `manage.py load_demo`.

Everything is created only when missing, so loading twice changes nothing.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from guichet.billing.demo import demo_invoices
from guichet.catalog.models import Product, ProductKind, Subscription
from guichet.customers.models import Customer, Holder

DEMO_PASSWORD = "Demo-Guichet-2026!"
DEMO_REFERENCE = "01776108"
DEMO_STAFF_USERNAME = "operateur"
DEMO_STAFF_CODES = 10

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
CUSTOMERS = [
    {
        "reference": DEMO_REFERENCE,
        "holders": [("Mme", "Claire", "Muller")],
        "address": ("12 rue des Clefs", "", "68000", "Colmar"),
        "email": "claire.muller@example.fr",
        "phones": ("+33612345601", "+33353200101", ""),
        "subscriptions": [
            ("offre-confort", D(2021, 3, 15), None, "", None, ""),
            ("tv-emotion", D(2021, 3, 15), None, "", 0, "Décodeur TV 4K"),
            ("option-canal", D(2022, 9, 1), None, "", None, ""),
            ("internet-extreme", D(2021, 3, 15), None, "", 0, "Box fibre Wi-Fi 6"),
            ("tel-fixe", D(2021, 3, 15), None, "+33353200101", 0, ""),
        ],
    },
    {
        "reference": "01776109",
        "holders": [("M.", "Jean", "Schmitt"), ("Mme", "Marie", "Schmitt")],
        "address": ("4 avenue de Colmar", "Bâtiment B", "68100", "Mulhouse"),
        "email": "famille.schmitt@example.fr",
        "phones": ("+33612345602", "", "+41223456789"),
        "subscriptions": [
            ("offre-essentiel", D(2020, 6, 1), None, "", None, ""),
            ("tv-essentiel", D(2020, 6, 1), None, "", 0, "Décodeur TV HD"),
            ("internet-essentiel", D(2020, 6, 1), None, "", 0, "Box fibre"),
            ("mobile-10go", D(2023, 1, 10), None, "+33612345602", None, "Carte SIM"),
            ("mobile-100go", D(2023, 1, 10), None, "+33612345612", None, "Carte SIM"),
        ],
    },
    {
        "reference": "01776110",
        "holders": [("M.", "Karim", "Benali")],
        "address": ("27 rue du Faubourg National", "", "67000", "Strasbourg"),
        "email": "karim.benali@example.fr",
        "phones": ("+33612345603", "", ""),
        "subscriptions": [
            ("internet-extreme", D(2024, 2, 20), None, "", None, "Box fibre Wi-Fi 6"),
        ],
    },
    {
        "reference": "01776111",
        "holders": [("Mme", "Sophie", "Keller")],
        "address": ("3 place de la Victoire", "", "67600", "Sélestat"),
        "email": "sophie.keller@example.fr",
        "phones": ("+33612345604", "+33353200104", ""),
        "subscriptions": [
            ("internet-essentiel", D(2022, 5, 2), None, "", None, "Box fibre"),
            ("tel-fixe", D(2022, 5, 2), None, "+33353200104", None, ""),
            ("forfait-mobiles", D(2022, 5, 2), None, "+33353200104", None, ""),
            ("forfait-international", D(2023, 11, 1), None, "+33353200104", None, ""),
            ("mobile-10go", D(2022, 5, 2), None, "+33612345604", None, "Carte SIM"),
        ],
    },
    {
        "reference": "01776112",
        "holders": [("M.", "Lucas", "Meyer")],
        "address": ("9 rue de la République", "", "68500", "Guebwiller"),
        "email": "lucas.meyer@example.fr",
        "phones": ("", "+33353200105", ""),
        "subscriptions": [
            ("tv-emotion", D(2019, 10, 1), None, "", None, "Décodeur TV 4K"),
            ("option-sport", D(2023, 9, 1), D(2025, 6, 30), "", None, ""),
            ("internet-extreme", D(2019, 10, 1), None, "", None, "Box fibre Wi-Fi 6"),
        ],
    },
    {
        "reference": "01776113",
        "holders": [("Mme", "Emma", "Fischer")],
        "address": ("45 route de Rouffach", "", "68000", "Colmar"),
        "email": "emma.fischer@example.fr",
        "phones": ("+33612345606", "", ""),
        "subscriptions": [
            ("mobile-100go", D(2024, 7, 8), None, "+33612345606", None, "Carte SIM"),
        ],
    },
    {
        "reference": "01776114",
        "holders": [("M.", "Paul", "Wagner"), ("Mme", "Léa", "Wagner")],
        "address": ("2 rue du Général de Gaulle", "", "68340", "Riquewihr"),
        "email": "paul.wagner@example.fr",
        "phones": ("+33612345607", "+33353200107", ""),
        "subscriptions": [
            ("offre-confort", D(2018, 4, 3), None, "", None, ""),
            ("tv-emotion", D(2018, 4, 3), None, "", 0, "Décodeur TV 4K"),
            ("option-canal", D(2019, 1, 1), None, "", None, ""),
            ("option-sport", D(2020, 8, 15), None, "", None, ""),
            ("internet-extreme", D(2018, 4, 3), None, "", 0, "Box fibre Wi-Fi 6"),
            ("tel-fixe", D(2018, 4, 3), None, "+33353200107", 0, ""),
            ("forfait-mobiles", D(2018, 4, 3), None, "+33353200107", None, ""),
        ],
    },
]


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create what is missing; returns how many rows of each kind were created."""
    created = {"products": 0, "customers": 0, "subscriptions": 0, "users": 0, "invoices": 0}
    products = {}
    for code, kind, name, description, characteristics, price, vat in PRODUCTS:
        product, was_created = Product.objects.get_or_create(
            code=code,
            defaults={
                "kind": kind,
                "name": name,
                "description": description,
                "characteristics": characteristics,
                "monthly_price_cents": price,
                "vat_rate_bp": vat,
            },
        )
        products[code] = product
        created["products"] += was_created

    User = get_user_model()
    for data in CUSTOMERS:
        street, street2, postal_code, city = data["address"]
        mobile, home, other = data["phones"]
        customer, was_created = Customer.objects.get_or_create(
            reference=data["reference"],
            defaults={
                "contract_postal_code": postal_code,
                "installation_street": street,
                "installation_street2": street2,
                "installation_postal_code": postal_code,
                "installation_city": city,
                "billing_street": street,
                "billing_street2": street2,
                "billing_postal_code": postal_code,
                "billing_city": city,
                "contact_email": data["email"],
                "phone_mobile": mobile,
                "phone_home": home,
                "phone_other": other,
                "invoice_email": data["email"],
                "invoice_email_opt_in": True,
            },
        )
        if was_created:
            customer.full_clean()
            created["customers"] += 1
            for position, (civility, first, last) in enumerate(data["holders"], start=1):
                Holder.objects.create(
                    customer=customer,
                    civility=civility,
                    first_name=first,
                    last_name=last,
                    position=position,
                )
        for code, start, end, line, price, equipment in data["subscriptions"]:
            subscription, was_created = Subscription.objects.get_or_create(
                customer=customer,
                product=products[code],
                start_date=start,
                defaults={
                    "end_date": end,
                    "line_number": line,
                    "price_cents": price,
                    "equipment": equipment,
                },
            )
            if was_created:
                subscription.full_clean()
            created["subscriptions"] += was_created
        if not User.objects.filter(customer=customer).exists():
            user = User(
                username=customer.reference, customer=customer, email=customer.contact_email
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            created["users"] += 1

    if not User.objects.filter(username=DEMO_STAFF_USERNAME).exists():
        staff = User.objects.create_superuser(
            DEMO_STAFF_USERNAME, "operateur@example.fr", DEMO_PASSWORD
        )
        created["users"] += 1
        # The back office asks for a second factor (J2): the demo gives backup codes.
        device = StaticDevice.objects.create(user=staff, name="Codes de secours (démo)")
        for _ in range(DEMO_STAFF_CODES):
            device.token_set.create(token=StaticToken.random_token())

    # 14 months of invoices from the monthly billing run (only the missing ones).
    created["invoices"] = demo_invoices()
    return created


def demo_staff_codes() -> list[str]:
    """The demo operator's unused backup codes (each works once)."""
    return list(
        StaticToken.objects.filter(device__user__username=DEMO_STAFF_USERNAME).values_list(
            "token", flat=True
        )
    )
