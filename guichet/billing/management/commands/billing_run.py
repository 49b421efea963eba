"""The monthly billing run: `manage.py billing_run --period 2026-11`."""

import datetime
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from guichet.billing.models import BillingRun, Invoice
from guichet.billing.periods import format_period, parse_period
from guichet.billing.services import (
    RunResult,
    billing_run,
    billing_run_candidates,
    billing_run_start,
)
from guichet.billing.services.run import CHUNK_SIZE
from guichet.billing.tasks import bill_customers
from guichet.core.formatting import format_cents


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"date « {text} » invalide (format attendu : AAAA-MM-JJ)") from None


class Command(BaseCommand):
    help = (
        "Facture le mois donné : chaque abonnement actif pendant le mois, au prorata s'il a "
        "commencé ou pris fin en cours de mois, une facture par client et par mois au plus. "
        "Relancer la commande ne facture que les clients qui ne l'ont pas encore été."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="le mois facturé, AAAA-MM")
        parser.add_argument(
            "--issue-date", help="date des factures, AAAA-MM-JJ (par défaut : aujourd'hui)"
        )
        parser.add_argument(
            "--batch-size", type=int, default=CHUNK_SIZE, help="clients par lot (une transaction)"
        )
        parser.add_argument(
            "--no-notify", action="store_true", help="n'envoyer aucun e-mail « facture disponible »"
        )
        parser.add_argument(
            "--no-pdf",
            action="store_true",
            help="ne pas produire les PDF maintenant : chacun le sera à sa première ouverture",
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="avec des workers Celery : confier les tâches et rendre la main aussitôt",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=300,
            help="avec des workers Celery : cesser d'attendre après tant de secondes sans progrès",
        )
        parser.add_argument("--no-progress", action="store_true", help="sans barre de progression")

    def handle(self, *args, **options):
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        today = timezone.localdate()
        issue_date = _date(options["issue_date"]) if options["issue_date"] else today
        if issue_date > today:
            raise CommandError(_("La date des factures ne peut pas être dans le futur."))
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size doit valoir au moins 1."))
        notify, render_pdf = not options["no_notify"], not options["no_pdf"]
        started = time.monotonic()
        candidates = billing_run_candidates(period=period)
        label = format_period(period)
        self.stdout.write(
            ngettext(
                "Facturation %(period)s : %(count)s client à facturer.",
                "Facturation %(period)s : %(count)s clients à facturer.",
                len(candidates),
            )
            % {"period": label, "count": len(candidates)}
        )
        run = billing_run_start(
            period=period,
            issue_date=issue_date,
            customers_total=len(candidates),
            chunk_size=options["batch_size"],
            notify=notify,
            render_pdf=render_pdf,
        )
        bar = tqdm(
            total=len(candidates),
            unit="client",
            desc=f"Facturation {label}",
            file=sys.stderr,
            disable=True if options["no_progress"] else None,
        )
        with bar:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                result = billing_run(
                    period=period,
                    issue_date=issue_date,
                    notify=notify,
                    render_pdf=render_pdf,
                    batch_size=options["batch_size"],
                    on_batch=lambda batch: bar.update(batch.customers),
                    run=run,
                )
            else:
                result = self._fan_out(
                    candidates, period, issue_date, notify, render_pdf, bar, options
                )
                if result is None:
                    return
        self._summary(label, result, time.monotonic() - started)
        self._progress(run)
        if result.failed:
            raise CommandError(
                ngettext(
                    "%(count)s client non facturé : voir les journaux, puis relancez la "
                    "commande pour lui seul.",
                    "%(count)s clients non facturés : voir les journaux, puis relancez la "
                    "commande pour eux seuls.",
                    result.failed,
                )
                % {"count": result.failed}
            )

    def _fan_out(self, candidates, period, issue_date, notify, render_pdf, bar, options):
        """Queue one task per batch, then follow the invoices the workers write."""
        size = options["batch_size"]
        for start in range(0, len(candidates), size):
            bill_customers.delay(
                candidates[start : start + size],
                period.isoformat(),
                issue_date.isoformat(),
                notify,
                render_pdf,
            )
        tasks = -(-len(candidates) // size)
        self.stdout.write(
            ngettext(
                "%(count)s tâche confiée aux workers.",
                "%(count)s tâches confiées aux workers.",
                tasks,
            )
            % {"count": tasks}
        )
        if options["no_wait"]:
            bar.close()
            self.stdout.write(_("Relancez la commande pour voir l'état de la facturation."))
            return None
        invoices = Invoice.objects.filter(period=period, customer_id__in=candidates)
        done, last_progress = 0, time.monotonic()
        while done < len(candidates):
            time.sleep(1)
            # A failed task leaves its customers without invoice: stop when nothing moves.
            now_done = invoices.count()
            if now_done != done:
                bar.update(now_done - done)
                done, last_progress = now_done, time.monotonic()
            elif time.monotonic() - last_progress > options["timeout"]:
                break
        result = RunResult(issued=done)
        result.total_incl_vat_cents = (
            invoices.aggregate(total=Sum("total_incl_vat_cents"))["total"] or 0
        )
        missing = len(candidates) - done
        if missing:
            self.stdout.write(
                ngettext(
                    "%(count)s client sans facture à ce stade (rien à facturer, tâche en cours "
                    "ou en échec : voir les journaux des workers).",
                    "%(count)s clients sans facture à ce stade (rien à facturer, tâche en cours "
                    "ou en échec : voir les journaux des workers).",
                    missing,
                )
                % {"count": missing}
            )
        return result

    def _progress(self, run: BillingRun) -> None:
        """The run as the back office shows it, PDFs included (rendered by the workers)."""
        run.refresh_from_db()
        rendered, waiting = run.pdfs_rendered(), run.pdfs_to_render()
        self.stdout.write(
            _(
                "Facturation n° %(id)s : %(status)s, lots %(done)s/%(chunks)s ; "
                "PDF rendus %(rendered)s/%(total)s."
            )
            % {
                "id": run.pk,
                "status": run.get_status_display(),
                "done": run.chunks_done,
                "chunks": run.chunks_total,
                "rendered": rendered,
                "total": rendered + waiting,
            }
        )

    def _summary(self, label: str, result: RunResult, seconds: float) -> None:
        rate = result.issued / seconds if seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Facturation %(period)s terminée : %(issued)s, %(already)s, "
                    "%(nothing)s sans montant à facturer, %(failed)s en échec ; "
                    "total %(total)s TTC en %(seconds).1f s (%(rate).0f factures/s)."
                )
                % {
                    "period": label,
                    "issued": ngettext(
                        "%(count)s facture émise", "%(count)s factures émises", result.issued
                    )
                    % {"count": result.issued},
                    "already": ngettext(
                        "%(count)s client déjà facturé",
                        "%(count)s clients déjà facturés",
                        result.already_invoiced,
                    )
                    % {"count": result.already_invoiced},
                    "nothing": result.nothing_to_bill,
                    "failed": result.failed,
                    "total": format_cents(result.total_incl_vat_cents),
                    "seconds": seconds,
                    "rate": rate,
                }
            )
        )
