"""The departments and request types of the guide, which staff then change in the back office
(addresses of the example domain: the operator puts its own)."""

from django.db import migrations

DEPARTMENTS = {
    "Service client": "service-client@example.fr",
    "Facturation": "facturation@example.fr",
    "Assistance technique": "assistance@example.fr",
    "Résiliations": "resiliation@example.fr",
}
REQUEST_TYPES = [
    ("Mise à jour données client", "Service client"),
    ("Facturation et paiement", "Facturation"),
    ("Télévision", "Assistance technique"),
    ("Internet", "Assistance technique"),
    ("Téléphonie", "Assistance technique"),
    ("Déménagement", "Service client"),
    ("Résiliation", "Résiliations"),
    ("Autre demande", "Service client"),
]


def seed(apps, schema_editor):
    Department = apps.get_model("support", "Department")
    RequestType = apps.get_model("support", "RequestType")
    departments = {}
    for name, email in DEPARTMENTS.items():
        departments[name], _ = Department.objects.get_or_create(
            name=name, defaults={"email": email}
        )
    for order, (label, department) in enumerate(REQUEST_TYPES, start=1):
        RequestType.objects.get_or_create(
            label=label, defaults={"department": departments[department], "order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    # Staff may have changed them since: nothing to remove on the way back.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
