"""Demo customers: fictional contracts in Alsace, loaded by the demo app's `load_demo`.

Only the missing ones are created, so loading twice changes nothing.
"""

from .models import Customer
from .services import HolderData, customer_create

DEMO_REFERENCE = "01776108"

CUSTOMERS = [
    {
        "reference": DEMO_REFERENCE,
        "holders": [("Mme", "Claire", "Muller")],
        "address": ("12 rue des Clefs", "", "68000", "Colmar"),
        "email": "claire.muller@example.fr",
        "phones": ("+33612345601", "+33353200101", ""),
    },
    {
        "reference": "01776109",
        "holders": [("M.", "Jean", "Schmitt"), ("Mme", "Marie", "Schmitt")],
        "address": ("4 avenue de Colmar", "Bâtiment B", "68100", "Mulhouse"),
        "email": "famille.schmitt@example.fr",
        "phones": ("+33612345602", "", "+41223456789"),
    },
    {
        "reference": "01776110",
        "holders": [("M.", "Karim", "Benali")],
        "address": ("27 rue du Faubourg National", "", "67000", "Strasbourg"),
        "email": "karim.benali@example.fr",
        "phones": ("+33612345603", "", ""),
    },
    {
        "reference": "01776111",
        "holders": [("Mme", "Sophie", "Keller")],
        "address": ("3 place de la Victoire", "", "67600", "Sélestat"),
        "email": "sophie.keller@example.fr",
        "phones": ("+33612345604", "+33353200104", ""),
    },
    {
        "reference": "01776112",
        "holders": [("M.", "Lucas", "Meyer")],
        "address": ("9 rue de la République", "", "68500", "Guebwiller"),
        "email": "lucas.meyer@example.fr",
        "phones": ("", "+33353200105", ""),
    },
    {
        "reference": "01776113",
        "holders": [("Mme", "Emma", "Fischer")],
        "address": ("45 route de Rouffach", "", "68000", "Colmar"),
        "email": "emma.fischer@example.fr",
        "phones": ("+33612345606", "", ""),
    },
    {
        "reference": "01776114",
        "holders": [("M.", "Paul", "Wagner"), ("Mme", "Léa", "Wagner")],
        "address": ("2 rue du Général de Gaulle", "", "68340", "Riquewihr"),
        "email": "paul.wagner@example.fr",
        "phones": ("+33612345607", "+33353200107", ""),
    },
]


def demo_customers() -> tuple[dict[str, Customer], int]:
    """The demo customers by reference, and how many were created now."""
    existing = {c.reference: c for c in Customer.objects.filter(reference__in=_references())}
    created = 0
    for data in CUSTOMERS:
        if data["reference"] in existing:
            continue
        street, street2, postal_code, city = data["address"]
        mobile, home, other = data["phones"]
        existing[data["reference"]] = customer_create(
            reference=data["reference"],
            contract_postal_code=postal_code,
            installation_street=street,
            installation_street2=street2,
            installation_postal_code=postal_code,
            installation_city=city,
            holders=[
                HolderData(civility=civility, first_name=first, last_name=last)
                for civility, first, last in data["holders"]
            ],
            contact_email=data["email"],
            phone_mobile=mobile,
            phone_home=home,
            phone_other=other,
            invoice_email=data["email"],
            invoice_email_opt_in=True,
        )
        created += 1
    return existing, created


def _references() -> list[str]:
    return [data["reference"] for data in CUSTOMERS]
