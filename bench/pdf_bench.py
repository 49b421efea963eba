"""Benchmark of the invoice PDF: N invoices rendered by the production function, 1 or 2 processes.

    .venv/bin/python bench/pdf_bench.py                       # 200 invoices, one process
    .venv/bin/python bench/pdf_bench.py --workers 2           # the same, shared by two processes
    .venv/bin/python bench/pdf_bench.py --invoices 50 --profile /tmp/pdf.prof

The invoices are issued through `invoice_issue` in a throwaway SQLite database (a temporary
folder), as the billing run issues them: 3 to 6 subscription lines, some prorated (one invoice
in four with calls or a third party's service in a group of its own), two holders, the
operator's logo. Each is then rendered by `invoice_pdf_bytes`, the function
the PDF task calls, in fresh processes (each loads Django, WeasyPrint and the fonts, then
renders its share). The first rendering of a process (fonts, stylesheet, templates loaded) is
reported apart; the others give the median and 90th percentile per PDF, in wall-clock time
and in the process's CPU time (steadier on a busy machine). With --workers 2, both processes
start rendering together (after their first rendering) and the throughput is the number of
PDFs over the time from the first start to the last end; it projects the time for 100,000.
Every PDF's SHA-256 is compared with a second rendering in another process: the bench fails
if one differs (rendering must be reproducible byte for byte).
"""

import argparse
import datetime
import hashlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECTED = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="rendering processes")
    parser.add_argument("--profile", help="write the cProfile statistics of one process here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="guichet-pdf-bench-") as folder:
        os.environ.update(
            {
                "DEBUG": "1",
                "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
                "MEDIA_ROOT": f"{folder}/media",
                "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
                "CELERY_BROKER_URL": "",
                "LOG_LEVEL": "WARNING",
                "DJANGO_SETTINGS_MODULE": "config.settings",
            }
        )
        # Fresh processes (spawn): none inherits fonts or caches loaded by another.
        context = multiprocessing.get_context("spawn")
        with context.Pool(1) as pool:
            ids = pool.apply(prepare, (args.invoices,))
        shares = [ids[n :: args.workers] for n in range(args.workers)]
        with context.Manager() as manager:
            barrier = manager.Barrier(args.workers)
            with context.Pool(args.workers) as pool:
                results = pool.starmap(
                    render,
                    [
                        (share, barrier, args.profile if n == 0 else None)
                        for n, share in enumerate(shares)
                    ],
                )
            # The same invoices again, in other processes, in another order.
            with context.Pool(1) as pool:
                again = pool.apply(render, (ids[::-1], None, None))
    report(args, results, again)


def prepare(count: int) -> list[int]:
    """Migrate the throwaway database and issue `count` invoices; return their ids."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return [invoice.pk for invoice in issue_invoices(count)]


def issue_invoices(count: int) -> list:
    import random

    from django.db import transaction

    from guichet.billing.models import Invoice, LineGroup
    from guichet.billing.periods import month_end
    from guichet.billing.services import InvoiceDraft, LineDraft, invoice_issue
    from guichet.customers.models import Customer, Holder

    random.seed(2026)
    period = datetime.date(2026, 11, 1)
    # What the billing run invoices: subscriptions (3 to 6), some prorated; one invoice in four
    # also carries calls or a third party's service (imported lines), in a group of its own.
    subscriptions = [
        ("Offre Confort", 5990, 2000),
        ("TV EMOTION", 2490, 1000),
        ("Pour accès aux chaînes CANAL+", 300, 2000),
        ("Option Multi-TV", 500, 2000),
        ("Téléphonie fixe", 500, 2000),
        ("Mobile 10 Go", 990, 2000),
        ("Mobile 50 Go", 1990, 2000),
    ]
    others = [
        (LineGroup.COMMUNICATIONS, "Appels vers l'international", 1200, 2000),
        (LineGroup.THIRD_PARTY, "Achat de vidéo à la demande", 499, 2000),
    ]
    invoices = []
    with transaction.atomic():
        for n in range(count):
            customer = Customer.objects.create(
                reference=f"{60000000 + n:08d}",
                contract_postal_code="68000",
                installation_street=f"{n % 200 + 1} rue des Tanneurs",
                installation_postal_code="68000",
                installation_city="Colmar",
                billing_street=f"{n % 200 + 1} rue des Tanneurs",
                billing_street2="Bâtiment B" if n % 3 == 0 else "",
                billing_postal_code="68000",
                billing_city="Colmar",
            )
            Holder.objects.create(
                customer=customer, civility="Mme", first_name="Anne", last_name=f"Weber{n}"
            )
            Holder.objects.create(
                customer=customer,
                civility="M.",
                first_name="Luc",
                last_name=f"Weber{n}",
                position=2,
            )
            count_lines = random.randint(3, 6)
            chosen = [
                (LineGroup.SUBSCRIPTIONS, *line)
                for line in random.sample(subscriptions, count_lines)
            ]
            if n % 4 == 3:
                chosen[-1] = random.choice(others)
            lines = []
            for group, label, price, vat in chosen:
                prorata = (random.randint(1, 29), 30) if random.random() < 0.2 else None
                lines.append(
                    LineDraft.from_incl_vat(
                        group=group,
                        label=label,
                        period_start=period,
                        period_end=month_end(period),
                        unit_price_incl_vat_cents=price,
                        vat_rate_bp=vat,
                        prorata=prorata,
                    )
                )
            debit = n % 2 == 0
            draft = InvoiceDraft(
                customer=customer,
                period=period,
                issue_date=datetime.date(2026, 11, 25),
                payment_method=(
                    Invoice.PaymentMethod.DIRECT_DEBIT
                    if debit
                    else Invoice.PaymentMethod.ON_RECEIPT
                ),
                due_date=datetime.date(2026, 12, 5 if debit else 10),
                lines=lines,
                source=Invoice.Source.BILLING_RUN,
            )
            invoices.append(invoice_issue(draft=draft, notify=False, render_pdf=False))
    return invoices


def render(ids: list[int], barrier, profile: str | None) -> dict:
    """Render the PDFs of `ids` in this process: the first one apart, then the others timed."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from guichet.billing.models import Invoice
    from guichet.billing.services import invoice_pdf_bytes

    setup_ms = (time.perf_counter() - started) * 1000
    invoices = {invoice.pk: invoice for invoice in Invoice.objects.select_related("customer")}
    digests = {}

    wall, cpu = time.perf_counter(), time.process_time()
    digests[ids[0]] = hashlib.sha256(invoice_pdf_bytes(invoices[ids[0]])).hexdigest()
    first = ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)

    if barrier is not None:
        barrier.wait()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    walls, cpus = [], []
    begin = time.monotonic()
    for pk in ids[1:]:
        wall, cpu = time.perf_counter(), time.process_time()
        content = invoice_pdf_bytes(invoices[pk])
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        digests[pk] = hashlib.sha256(content).hexdigest()
    end = time.monotonic()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    return {
        "setup_ms": setup_ms,
        "first": first,
        "walls": walls,
        "cpus": cpus,
        "begin": begin,
        "end": end,
        "digests": digests,
    }


def report(args, results: list[dict], again: dict) -> None:
    walls = [ms for result in results for ms in result["walls"]]
    cpus = [ms for result in results for ms in result["cpus"]]
    rendered = len(walls)
    seconds = max(r["end"] for r in results) - min(r["begin"] for r in results)
    throughput = rendered / seconds
    processes = "one process" if args.workers == 1 else f"{args.workers} processes"
    print(f"Invoice PDF (PDF/A-3b, tagged), {args.invoices} invoices, {processes}:")
    for n, result in enumerate(results, 1):
        print(
            f"  process {n}: Django and imports {result['setup_ms']:.0f} ms, "
            f"first PDF {result['first'][0]:.0f} ms wall / {result['first'][1]:.0f} ms CPU "
            "(fonts, stylesheet, templates loaded)"
        )
    print(
        f"  per PDF, wall   median {statistics.median(walls):.1f} ms, "
        f"p90 {quantile(walls, 0.9):.1f} ms (min {min(walls):.1f}, max {max(walls):.1f})"
    )
    print(
        f"  per PDF, CPU    median {statistics.median(cpus):.1f} ms, "
        f"p90 {quantile(cpus, 0.9):.1f} ms (min {min(cpus):.1f}, max {max(cpus):.1f})"
    )
    print(
        f"  throughput      {rendered} PDFs in {seconds:.2f} s = {throughput:.1f} PDFs/s; "
        f"{PROJECTED:,} invoices in {PROJECTED / throughput / 60:.1f} min"
    )
    digests = {pk: digest for result in results for pk, digest in result["digests"].items()}
    differ = [pk for pk, digest in digests.items() if again["digests"][pk] != digest]
    print(
        f"  reproducible    {len(digests) - len(differ)} of {len(digests)} PDFs byte-identical "
        "when rendered again in another process"
    )
    if differ:
        sys.exit(f"{len(differ)} PDFs differ from one rendering to the next")


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


if __name__ == "__main__":
    main()
