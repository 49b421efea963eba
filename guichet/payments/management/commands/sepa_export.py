"""The direct debit file of a date: `manage.py sepa_export --date 2026-12-05`."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.core.formatting import format_cents, format_date
from guichet.payments.sepa import SepaFileInvalid
from guichet.payments.services.debits import debit_export


class Command(BaseCommand):
    help = (
        "Écrit le fichier de prélèvements SEPA (pain.008.001.08) de la date donnée : les "
        "factures à prélever ce jour-là dont le client a un mandat actif, validé par le schéma "
        "XSD officiel avant d'être enregistré. Relancer la commande n'exporte que les factures "
        "qu'aucun fichier ne porte encore."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="la date de prélèvement, AAAA-MM-JJ")

    def handle(self, *args, **options):
        try:
            debit_date = datetime.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(
                _("date « %(date)s » invalide (format attendu : AAAA-MM-JJ)")
                % {"date": options["date"]}
            ) from None
        try:
            result = debit_export(debit_date=debit_date, created_by="manage.py sepa_export")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except SepaFileInvalid as error:
            raise CommandError(
                _(
                    "Le fichier ne respecte pas le schéma pain.008.001.08 : rien n'est "
                    "exporté. %(errors)s"
                )
                % {"errors": "; ".join(error.errors)}
            ) from None
        for excluded in result.excluded:
            self.stderr.write(
                _("Facture %(number)s non prélevée : %(reason)s.")
                % {"number": excluded.number, "reason": excluded.reason}
            )
        batch = result.batch
        if batch is None:
            self.stdout.write(
                _("Aucun prélèvement à émettre le %(date)s.") % {"date": format_date(debit_date)}
            )
            return
        self.stdout.write(
            ngettext(
                "%(count)s prélèvement de %(total)s le %(date)s : %(path)s (SHA-256 %(sha256)s)",
                "%(count)s prélèvements, %(total)s au total, le %(date)s : %(path)s "
                "(SHA-256 %(sha256)s)",
                batch.count,
            )
            % {
                "count": batch.count,
                "total": format_cents(batch.total_cents),
                "date": format_date(debit_date),
                "path": _where(batch.file),
                "sha256": batch.sha256,
            }
        )


def _where(stored_file) -> str:
    """The file's path in a local folder, else its name in the storage (an S3 bucket has no
    path: the file is then downloaded from the back office, checked against its SHA-256)."""
    try:
        return stored_file.path
    except NotImplementedError:
        return stored_file.name
