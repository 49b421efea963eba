"""Load invoices from the operator's own billing system: `manage.py import_invoices FILE`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.billing.services import ImportFileError, import_invoices, iter_problems, read_records
from guichet.core.imports import file_problem


class Command(BaseCommand):
    help = (
        "Importe les factures d'un fichier CSV, JSON ou JSON Lines (format : "
        "docs/invoice-import.md). Chaque facture est enregistrée entière ou pas du tout ; "
        "chaque ligne refusée est signalée avec son numéro et la raison."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="fichier .csv, .json ou .jsonl")
        parser.add_argument(
            "--no-notify",
            action="store_true",
            help="n'envoyer aucun e-mail « facture disponible » (reprise d'historique)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="tout vérifier sans rien enregistrer"
        )

    def handle(self, *args, **options):
        path = options["file"]
        if problem := file_problem(path):
            raise CommandError(f"{path} : {problem}")
        try:
            records, warnings = read_records(path)
        except ImportFileError as exc:
            raise CommandError(f"{path} : {exc}") from None
        for warning in warnings:
            self.stderr.write(self.style.WARNING(f"{path} : {warning}"))
        report = import_invoices(
            records=records, notify=not options["no_notify"], dry_run=options["dry_run"]
        )
        for problem in iter_problems(report):
            self.stderr.write(self.style.ERROR(f"{path}, {problem}"))
        imported, already, refused = (
            len(report.imported),
            len(report.already_imported),
            len(set(report.refused)),
        )
        if options["dry_run"]:
            done = ngettext(
                "%(count)s facture vérifiée, importable",
                "%(count)s factures vérifiées, importables",
                imported,
            ) % {"count": imported}
        else:
            done = ngettext(
                "%(count)s facture importée", "%(count)s factures importées", imported
            ) % {"count": imported}
        self.stdout.write(
            self.style.SUCCESS(
                _("%(done)s, %(already)s, %(refused)s.")
                % {
                    "done": done,
                    "already": ngettext(
                        "%(count)s déjà importée", "%(count)s déjà importées", already
                    )
                    % {"count": already},
                    "refused": ngettext("%(count)s refusée", "%(count)s refusées", refused)
                    % {"count": refused},
                }
            )
        )
        if report.refused:
            raise CommandError(
                ngettext(
                    "%(count)s facture refusée : rien n'en a été enregistré.",
                    "%(count)s factures refusées : rien n'en a été enregistré.",
                    refused,
                )
                % {"count": refused}
            )
