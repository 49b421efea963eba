"""Load the demo customers and catalogue (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from guichet.core.demo import (
    DEMO_PASSWORD,
    DEMO_REFERENCE,
    DEMO_STAFF_USERNAME,
    demo_staff_codes,
    load_demo,
)


class Command(BaseCommand):
    help = "Crée les données de démonstration manquantes (sans rien modifier de l'existant)."

    def handle(self, *args, **options):
        created = load_demo()
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Données de démonstration : créé {summary}."))
        url = settings.GUICHET_SITE_URL
        self.stdout.write(
            f"\n  Espace Client : {url}/\n"
            f"    référence client {DEMO_REFERENCE}, mot de passe {DEMO_PASSWORD}\n"
            f"  Back office   : {url}/back-office/\n"
            f"    utilisateur {DEMO_STAFF_USERNAME}, mot de passe {DEMO_PASSWORD},\n"
            f"    second facteur, un de ces codes (chacun sert une fois) :\n"
            f"    {' '.join(demo_staff_codes()) or 'épuisés, voir le README'}\n"
        )
        if settings.GUICHET_DEMO:
            self.stdout.write(
                f"  E-mails envoyés (boîte de démonstration) : {url}/boite-de-demonstration/\n"
            )
