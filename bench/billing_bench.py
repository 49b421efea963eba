"""Benchmark of billing: the billing run for N generated customers, and the invoice PDF.

    .venv/bin/python bench/billing_bench.py                      # SQLite and PostgreSQL
    .venv/bin/python bench/billing_bench.py --databases sqlite --customers 2000

Each database is a throwaway one: a SQLite file in a temporary folder, and a PostgreSQL
database created on the server of --postgres (then dropped). The run is `manage.py
billing_run` itself, with inline tasks (no broker) and e-mails to Django's dummy backend; PDFs
are measured apart (--pdf renderings, median), as workers render them after the run.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2026-11"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--pdf", type=int, default=50, help="PDF renderings to time")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/test",
        help="a database of the server to create the throwaway database from",
    )
    parser.add_argument(
        "--no-notify", action="store_true", help="without the « facture disponible » e-mails"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.customers, args.pdf, args.no_notify)))
        return

    results = {}
    with tempfile.TemporaryDirectory(prefix="guichet-bench-") as folder:
        for database in args.databases.split(","):
            if database == "sqlite":
                results["SQLite"] = spawn(f"sqlite:///{folder}/bench.sqlite3", args, folder)
            elif database == "postgresql":
                results["PostgreSQL"] = with_postgres(args, folder)
            else:
                parser.error(f"unknown database {database!r}")
    print()
    mails = "without e-mails" if args.no_notify else "half of them notified by e-mail"
    print(
        f"Billing run of {args.customers} customers ({PERIOD}, {mails}), PDF median of {args.pdf}:"
    )
    for name, result in results.items():
        print(
            f"  {name:<10} {result['invoices']:>6} invoices in {result['seconds']:.1f} s = "
            f"{result['invoices'] / result['seconds']:.0f} invoices/s; "
            f"PDF {result['pdf_median_ms']:.0f} ms median "
            f"(min {result['pdf_min_ms']:.0f}, max {result['pdf_max_ms']:.0f})"
        )


def with_postgres(args, folder: str) -> dict:
    import psycopg

    name = f"guichet_bench_{os.getpid()}"
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
        return spawn(url, args, folder)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def spawn(database_url: str, args, folder: str) -> dict:
    """One database per process: settings read DATABASE_URL once, at start-up."""
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": f"{folder}/media",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    command = [sys.executable, __file__, "--worker", "1"]
    command += ["--customers", str(args.customers), "--pdf", str(args.pdf)]
    command += ["--no-notify"] if args.no_notify else []
    print(f"== {database_url.split(':')[0]}: {args.customers} customers", flush=True)
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(customers: int, renderings: int, no_notify: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generate(customers)

    from guichet.billing.models import Invoice

    started = time.perf_counter()
    options = ["--period", PERIOD, "--issue-date", "2026-11-25", "--no-pdf"]
    call_command("billing_run", *options, *(["--no-notify"] if no_notify else []))
    seconds = time.perf_counter() - started
    invoices = Invoice.objects.filter(period="2026-11-01").count()

    from guichet.billing.services import invoice_pdf_bytes

    sample = list(Invoice.objects.order_by("?")[: renderings + 1])
    invoice_pdf_bytes(sample.pop())  # fonts and templates loaded once
    timings = []
    for invoice in sample:
        start = time.perf_counter()
        invoice_pdf_bytes(invoice)
        timings.append((time.perf_counter() - start) * 1000)
    return {
        "invoices": invoices,
        "seconds": seconds,
        "pdf_median_ms": statistics.median(timings),
        "pdf_min_ms": min(timings),
        "pdf_max_ms": max(timings),
    }


def generate(count: int) -> None:
    """Customers with one holder and 1 to 5 services; some begin or end during the month."""
    import datetime

    from django.db import transaction

    from guichet.catalog.models import Product, ProductKind, Subscription
    from guichet.customers.models import Customer, Holder

    random.seed(2026)
    products = [
        Product.objects.create(
            kind=kind, code=code, name=name, monthly_price_cents=price, vat_rate_bp=vat
        )
        for kind, code, name, price, vat in (
            (ProductKind.BUNDLE, "b-confort", "Offre Confort", 5990, 2000),
            (ProductKind.TV, "b-tv", "TV EMOTION", 2490, 1000),
            (ProductKind.TV_OPTION, "b-canal", "Pour accès aux chaînes CANAL+", 300, 2000),
            (ProductKind.INTERNET, "b-extreme", "EXTREME", 3490, 2000),
            (ProductKind.FIXED, "b-fixe", "Téléphonie fixe", 500, 2000),
            (ProductKind.MOBILE, "b-mobile", "Mobile 10 Go", 990, 2000),
        )
    ]
    started = datetime.date(2024, 3, 1)
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            Customer(
                reference=f"{50000000 + n:08d}",
                contract_postal_code="68000",
                installation_street=f"{n % 200 + 1} rue des Tanneurs",
                installation_postal_code="68000",
                installation_city="Colmar",
                billing_street=f"{n % 200 + 1} rue des Tanneurs",
                billing_postal_code="68000",
                billing_city="Colmar",
                invoice_email=f"client{n}@example.fr",
                invoice_email_opt_in=n % 2 == 0,
            )
            for n in range(count)
        )
        Holder.objects.bulk_create(
            Holder(customer=customer, civility="Mme", first_name="Anne", last_name=f"Client{n}")
            for n, customer in enumerate(customers)
        )
        subscriptions = []
        for customer in customers:
            for product in random.sample(products, random.randint(1, 5)):
                start, end = started, None
                luck = random.random()
                if luck < 0.05:
                    start = datetime.date(2026, 11, random.randint(2, 30))
                elif luck < 0.08:
                    end = datetime.date(2026, 11, random.randint(1, 29))
                subscriptions.append(
                    Subscription(customer=customer, product=product, start_date=start, end_date=end)
                )
        Subscription.objects.bulk_create(subscriptions, batch_size=5000)


if __name__ == "__main__":
    main()
