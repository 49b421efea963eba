"""Default texts of the editable pages; staff adapt them in the admin."""

from django.db import migrations

PRIVACY = """Cette politique complète l'article 26 des conditions générales de vente, « Données personnelles ».

Responsable du traitement : votre opérateur, dont l'identité figure sur vos factures. Les données de votre Espace Client (référence client, titulaires, adresses, coordonnées de contact, services souscrits, factures, paiements, demandes) servent à exécuter votre contrat, à vous facturer, à vous informer et à répondre à vos demandes. Elles ne sont ni vendues ni cédées.

Durées de conservation : les données du contrat pendant sa durée puis le temps des prescriptions légales ; les factures dix ans (obligation comptable) ; les journaux de connexion un an.

Vos droits : vous pouvez accéder à vos données, les faire rectifier ou effacer, en limiter le traitement, vous y opposer et en demander la portabilité, en écrivant à votre service client depuis « Contactez-nous ». Vous pouvez aussi saisir la CNIL (www.cnil.fr).

Sécurité : votre mot de passe est stocké sous forme d'empreinte (Argon2), les échanges sont chiffrés, et votre carte bancaire n'est jamais saisie sur nos pages."""

ACCESSIBILITY = """L'opérateur s'engage à rendre son Espace Client accessible conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005.

État de conformité : l'Espace Client est partiellement conforme au référentiel général d'amélioration de l'accessibilité (RGAA 4.1), dans l'attente d'un audit complet.

Les pages sont testées automatiquement (axe-core) et à la main : navigation au clavier, étiquettes des champs, contrastes, affichage sur téléphone.

Si vous n'arrivez pas à accéder à un contenu ou à un service, écrivez-nous depuis « Contactez-nous » : nous vous répondrons et vous fournirons l'information sous une autre forme. Vous pouvez aussi saisir le Défenseur des droits (www.defenseurdesdroits.fr)."""


def create_pages(apps, schema_editor):
    SitePage = apps.get_model("core", "SitePage")
    SitePage.objects.get_or_create(
        slug="donnees-personnelles",
        defaults={"title": "Politique de protection des données personnelles", "body": PRIVACY},
    )
    SitePage.objects.get_or_create(
        slug="accessibilite",
        defaults={"title": "Déclaration d'accessibilité", "body": ACCESSIBILITY},
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
