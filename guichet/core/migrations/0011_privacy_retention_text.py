"""The default personal-data policy points to the retention periods the purge applies (shown
from settings under the text), in place of a vaguer sentence. A text staff edited is left
alone: only a body still equal to the shipped default is replaced."""

import importlib

from django.db import migrations

OLD_FR = (
    "Durées de conservation : les données du contrat pendant sa durée puis le temps des "
    "prescriptions légales ; les factures dix ans (obligation comptable) ; les journaux de "
    "connexion un an."
)
NEW_FR = (
    "Durées de conservation : les données du contrat pendant sa durée, puis jusqu'à la fin "
    "du délai indiqué ci-dessous (« Durées de conservation ») après la fin du dernier service "
    "et le règlement du solde ; elles sont alors rendues anonymes. Les factures sont gardées "
    "au moins dix ans (obligation comptable) ; les journaux de connexion et les traces des "
    "consultations par notre personnel, le délai indiqué ci-dessous. Une purge automatique "
    "applique ces délais chaque nuit."
)
OLD_EN = (
    "Retention periods: contract data for the life of the contract and then for the legal "
    "limitation periods; invoices for ten years (an accounting obligation); login records for "
    "one year."
)
NEW_EN = (
    "Retention periods: contract data for the life of the contract, then until the end of the "
    'period given below ("Retention periods") after the last service ended and the balance '
    "was settled; it is then anonymised. Invoices are kept for at least ten years (an "
    "accounting obligation); login records and records of our staff viewing your account, for "
    "the period given below. An automatic purge applies these periods every night."
)


def _defaults():
    french = importlib.import_module("guichet.core.migrations.0002_default_pages").PRIVACY
    english = importlib.import_module("guichet.core.migrations.0009_default_pages_english").PRIVACY
    assert OLD_FR in french and OLD_EN in english
    return {
        "fr": (french, french.replace(OLD_FR, NEW_FR)),
        "en": (english, english.replace(OLD_EN, NEW_EN)),
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
    dependencies = [("core", "0010_support_outbox_reply_to")]
    operations = [migrations.RunPython(forwards, backwards)]
