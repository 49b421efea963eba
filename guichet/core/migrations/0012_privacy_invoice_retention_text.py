"""The default personal-data policy says invoices are deleted once their retention is over
(the purge now deletes them: issue 10). As in 0011, only a body still equal to the shipped
default is replaced; a text staff edited is left alone."""

import importlib

from django.db import migrations

OLD_FR = "Les factures sont gardées au moins dix ans (obligation comptable) ;"
NEW_FR = (
    "Les factures sont gardées au moins dix ans après leur date (obligation comptable), puis "
    "supprimées ;"
)
OLD_EN = "Invoices are kept for at least ten years (an accounting obligation);"
NEW_EN = (
    "Invoices are kept for at least ten years after their date (an accounting obligation), "
    "then deleted;"
)


def _defaults():
    previous = importlib.import_module("guichet.core.migrations.0011_privacy_retention_text")
    shipped = {language: new for language, (_, new) in previous._defaults().items()}
    assert OLD_FR in shipped["fr"] and OLD_EN in shipped["en"]
    return {
        "fr": (shipped["fr"], shipped["fr"].replace(OLD_FR, NEW_FR)),
        "en": (shipped["en"], shipped["en"].replace(OLD_EN, NEW_EN)),
    }


def _replace(apps, *, forward: bool):
    SitePage = apps.get_model("core", "SitePage")
    for language, (old, new) in _defaults().items():
        before, after = (old, new) if forward else (new, old)
        SitePage.objects.filter(slug="donnees-personnelles", language=language, body=before).update(
            body=after
        )


def forwards(apps, schema_editor):
    _replace(apps, forward=True)


def backwards(apps, schema_editor):
    _replace(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [("core", "0011_privacy_retention_text")]
    operations = [migrations.RunPython(forwards, backwards)]
