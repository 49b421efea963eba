"""How long each kind of data is kept, from the same settings the purge applies."""

from django.conf import settings
from django.utils.translation import gettext, ngettext


def _days(count: int) -> str:
    if count % 365 == 0:
        years = count // 365
        return ngettext("%(count)d an", "%(count)d ans", years) % {"count": years}
    return ngettext("%(count)d jour", "%(count)d jours", count) % {"count": count}


def retention_periods() -> list[tuple[str, str]]:
    """(what, how long) for the policy page, in the page's language."""
    years = settings.PRIVACY_INVOICE_RETENTION_YEARS
    return [
        (
            gettext("Historique de connexion et événements de sécurité de votre compte"),
            _days(settings.PRIVACY_SECURITY_EVENT_RETENTION_DAYS),
        ),
        (
            gettext("Traces des consultations de votre dossier par notre personnel"),
            _days(settings.PRIVACY_STAFF_ACCESS_RETENTION_DAYS),
        ),
        (
            gettext(
                "Coordonnées, titulaires, compte d'accès et coordonnées bancaires d'un contrat "
                "terminé (après la fin du dernier service, solde réglé)"
            ),
            _days(settings.PRIVACY_ENDED_CONTRACT_RETENTION_DAYS),
        ),
        (
            gettext("Copies des e-mails que nous vous avons envoyés"),
            _days(settings.PRIVACY_OUTBOX_RETENTION_DAYS),
        ),
        (
            gettext("Archive « Télécharger mes données »"),
            _days(settings.PRIVACY_EXPORT_DAYS),
        ),
        (
            gettext("Factures (obligation légale), supprimées ensuite par la purge"),
            ngettext("au moins %(count)d an", "au moins %(count)d ans", years) % {"count": years},
        ),
    ]
