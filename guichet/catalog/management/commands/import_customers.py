"""Load customers, subscriptions and products from the operator's systems:
`manage.py import_customers FILE` (format: docs/customer-import.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from guichet.catalog.imports import ImportFileError, import_customers, read_file
from guichet.core.imports import file_problem


class Command(BaseCommand):
    help = (
        "Importe clients, titulaires, adresses, coordonnées, abonnements et produits d'un "
        "fichier CSV ou JSON (format : docs/customer-import.md). Chaque client est enregistré "
        "entier ou pas du tout ; chaque ligne refusée est signalée avec son numéro et la raison."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="fichier .csv ou .json")
        parser.add_argument(
            "--dry-run", action="store_true", help="tout vérifier sans rien enregistrer"
        )
        parser.add_argument("--no-progress", action="store_true", help="sans barre de progression")

    def handle(self, *args, **options):
        path = options["file"]
        if problem := file_problem(path):
            raise CommandError(f"{path} : {problem}")
        try:
            data = read_file(path)
        except ImportFileError as exc:
            raise CommandError(f"{path} : {exc}") from None
        for warning in data.warnings:
            self.stderr.write(self.style.WARNING(f"{path} : {warning}"))

        # The stream under Django's wrapper (which ends every write with a new line).
        def progress(records):
            return tqdm(
                records,
                total=data.count,
                desc=_("clients"),
                unit="",
                file=self.stderr._out,
                leave=False,
            )

        report = import_customers(
            data,
            dry_run=options["dry_run"],
            progress=None if options["no_progress"] else progress,
        )
        for problem in report.problems:
            self.stderr.write(self.style.ERROR(f"{path}, {problem}"))
        counts = {
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged),
            "refused": len(report.refused),
            "products": len(report.products_created) + len(report.products_updated),
        }
        summary = (
            _(
                "Clients : %(created)s créés, %(updated)s mis à jour, %(unchanged)s inchangés, "
                "%(refused)s refusés ; produits créés ou mis à jour : %(products)s."
            )
            % counts
        )
        if options["dry_run"]:
            summary = _("Vérification seule, rien n'a été enregistré. %(summary)s") % {
                "summary": summary
            }
        self.stdout.write(self.style.SUCCESS(summary))
        if report.problems:
            raise CommandError(
                _("%(count)s ligne(s) refusée(s) : rien n'en a été enregistré.")
                % {"count": len(report.problems)}
            )
