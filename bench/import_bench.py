"""Benchmark of `manage.py import_customers`: a generated file of N customers, imported twice.

    .venv/bin/python bench/import_bench.py --customers 100000     # SQLite and PostgreSQL
    .venv/bin/python bench/import_bench.py --customers 10000 --databases sqlite
    .venv/bin/python bench/import_bench.py --customers 100000 --database postgres://…/empty_db
    DATABASE_URL=postgres://…/empty_db .venv/bin/python bench/import_bench.py

The file (CSV, semicolons, UTF-8 with BOM: one to three subscriptions per customer, two
holders for one in five) is written in a temporary folder. Without --database (or
DATABASE_URL), each database is a throwaway one: a SQLite file in that folder, and a
PostgreSQL database created on the server of --postgres (then dropped); PostgreSQL is skipped
with a message when the server cannot be reached. With --database, that database is migrated
and imported into: give an empty one. The second run of the same file shows what a nightly
re-import of unchanged data costs. Each database is measured in a process of its own, whose
peak resident memory (both runs, Django and the migrations included) is reported, and its CPU
time: on a busy machine a steadier figure than the wall clock (SQLite works inside the
process; PostgreSQL's own work is not in it).
"""

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = [
    ("fibre-1g", "internet", "Fibre 1 Gbit/s", 2990, "20"),
    ("tv-essentiel", "tv", "TV Essentiel", 1500, "10"),
    ("mobile-20", "mobile", "Mobile 20 Go", 999, "20"),
    ("fixe-illimite", "fixed_plan", "Fixe illimité", 500, "20"),
]
COLUMNS = [
    "reference",
    "contract_postal_code",
    "installation_street",
    "installation_postal_code",
    "installation_city",
    "contact_email",
    "phone_mobile",
    "holder1_civility",
    "holder1_first_name",
    "holder1_last_name",
    "holder2_civility",
    "holder2_first_name",
    "holder2_last_name",
    "product_code",
    "product_kind",
    "product_name",
    "product_monthly_price_cents",
    "product_vat_rate",
    "start_date",
    "end_date",
    "line_number",
    "price_cents",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/test",
        help="a database of the server to create the throwaway database from",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", ""),
        help="an empty database to import into instead (default: DATABASE_URL if set)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(Path(args.worker))))
        return

    results = {}
    with tempfile.TemporaryDirectory(prefix="guichet-import-bench-") as folder:
        path = Path(folder) / "clients.csv"
        lines = generate(path, args.customers)
        print(f"{path.name}: {args.customers} customers, {lines} lines", flush=True)
        if args.database:
            name = "SQLite" if args.database.startswith("sqlite") else "PostgreSQL"
            results[name] = spawn(args.database, path, folder)
        for database in [] if args.database else args.databases.split(","):
            if database == "sqlite":
                results["SQLite"] = spawn(f"sqlite:///{folder}/bench.sqlite3", path, folder)
            elif database == "postgresql":
                result = with_postgres(args, path, folder)
                if result:
                    results["PostgreSQL"] = result
            else:
                parser.error(f"unknown database {database!r}")
    print()
    print(f"import_customers of {args.customers} customers ({lines} lines):")
    for name, result in results.items():
        first, second = result["first"], result["second"]
        print(
            f"  {name:<10} first run {first:.1f} s ({args.customers / first:.0f} customers/s), "
            f"same file again {second:.1f} s ({args.customers / second:.0f} customers/s), "
            f"total {first + second:.1f} s, peak RSS {result['peak_rss_kb'] / 1024:.0f} MB; "
            f"{result['customers']} customers, {result['subscriptions']} subscriptions stored"
        )
        print(
            f"  {'':<10} CPU time of the import's process: first run {result['first_cpu']:.1f} s, "
            f"same file again {result['second_cpu']:.1f} s"
        )


def generate(path: Path, count: int) -> int:
    rng = random.Random(11)
    lines = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(COLUMNS)
        for n in range(count):
            reference = f"{20_000_000 + n:08d}"
            postal_code = rng.choice(["68000", "67000", "68100", "67100", "68200"])
            customer = [
                reference,
                postal_code,
                f"{rng.randint(1, 200)} rue de la Gare",
                postal_code,
                "Colmar",
                f"client{n}@example.org",
                f"0612{rng.randint(100_000, 999_999)}",
                "Mme",
                "Anne",
                f"Meyer{n % 997}",
            ]
            customer += ["M.", "Paul", f"Meyer{n % 997}"] if n % 5 == 0 else ["", "", ""]
            for code, kind, name, price, vat in rng.sample(PRODUCTS, rng.randint(1, 3)):
                line = f"+33612{rng.randint(100_000, 999_999)}" if kind == "mobile" else ""
                start = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024"
                writer.writerow([*customer, code, kind, name, price, vat, start, "", line, ""])
                lines += 1
    return lines


def with_postgres(args, path: Path, folder: str) -> dict | None:
    try:
        import psycopg

        admin = psycopg.connect(args.postgres, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001 - any failure means: not reachable here
        print(f"== postgresql: skipped, {args.postgres} not reachable ({error})".strip())
        return None
    name = f"guichet_import_bench_{os.getpid()}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
        return spawn(url, path, folder)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def spawn(database_url: str, path: Path, folder: str) -> dict:
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
    print(f"== {database_url.split(':')[0]}", flush=True)
    command = [sys.executable, __file__, "--worker", str(path)]
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(path: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    timings, cpu = [], []
    for _ in range(2):
        started, cpu_started = time.perf_counter(), time.process_time()
        call_command("import_customers", str(path), stdout=sys.stderr)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)

    from guichet.catalog.models import Subscription
    from guichet.customers.models import Customer

    return {
        "first": timings[0],
        "second": timings[1],
        "first_cpu": cpu[0],
        "second_cpu": cpu[1],
        "customers": Customer.objects.count(),
        "subscriptions": Subscription.objects.count(),
        # Linux counts in kilobytes.
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


if __name__ == "__main__":
    main()
