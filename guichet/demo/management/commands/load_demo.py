"""Load the demo customers and catalogue (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from guichet.demo.loader import (
    DEMO_PASSWORD,
    DEMO_REFERENCE,
    DEMO_STAFF_USERNAME,
    demo_staff_codes,
    load_demo,
)
from guichet.payments.demo import DEMO_CARD_PAYER
from guichet.payments.providers.sandbox import CARD_SUCCEEDS


class Command(BaseCommand):
    help = "Crée les données de démonstration manquantes (sans rien modifier de l'existant)."

    def handle(self, *args, **options):
        # The demo creates a superuser whose password is published in the README: only where
        # the demo mode is on (GUICHET_DEMO=1, which settings refuse without DEBUG=1).
        if not settings.GUICHET_DEMO:
            raise CommandError(
                _(
                    "Refusé : les données de démonstration créent un administrateur dont le mot "
                    "de passe est public. Elles ne se chargent qu'en mode démonstration "
                    "(GUICHET_DEMO=1 et DEBUG=1, comme le fait « make demo »), jamais en "
                    "production."
                )
            )
        created = load_demo()
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Données de démonstration : créé {summary}."))
        url = settings.GUICHET_SITE_URL
        self.stdout.write(
            f"\n  Espace Client : {url}/\n"
            f"    référence client {DEMO_REFERENCE} (prélèvement le 5 du mois), "
            f"mot de passe {DEMO_PASSWORD}\n"
            f"    paiement par carte : référence client {DEMO_CARD_PAYER}, qui a un montant dû ;\n"
            f"    carte de test {' '.join(CARD_SUCCEEDS[i : i + 4] for i in range(0, 16, 4))} "
            "(la page de paiement de test en donne d'autres)\n"
            f"  Back office   : {url}/back-office/\n"
            f"    utilisateur {DEMO_STAFF_USERNAME}, mot de passe {DEMO_PASSWORD},\n"
            f"    second facteur, un de ces codes (chacun sert une fois) :\n"
            f"    {' '.join(demo_staff_codes()) or 'épuisés, voir le README'}\n"
        )
        if settings.GUICHET_DEMO:
            self.stdout.write(
                f"  E-mails envoyés (boîte de démonstration) : {url}/boite-de-demonstration/\n"
            )
