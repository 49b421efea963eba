"""Load test of the portal: Locust's subscribers against gunicorn, PostgreSQL and Redis.

    .venv/bin/python bench/load.py                 # 50 users for 2 minutes (bench/locustfile.py)
    .venv/bin/python bench/load.py --burst         # 50 logins at once
    .venv/bin/python bench/load.py --users 100 --duration 5m --subscribers 400

From a fresh clone after `make install`: a throw-away PostgreSQL database is created on the
server of --postgres (dropped at the end) and Redis (--redis) holds the cache; the test is
skipped with a message when either cannot be reached. The database is migrated and filled in
a DEBUG process (the demo loader is refused outside demo mode): --subscribers customers with a
holder, two to four services, a password each (hashed by the server's own Argon2 hasher, so
no hash is upgraded during the test) and --invoices monthly invoices billed by `billing_run`,
the latest one's PDF rendered beforehand for each subscriber the test logs in (two
processes; not for --burst, which opens none). The
server is gunicorn with production settings (DEBUG off, TRUSTED_PROXY_COUNT=1: Locust sends
what the TLS-terminating proxy would, see bench/locustfile.py) on 127.0.0.1 only, sized by
--workers and --threads (5 sync workers by default, as deploy/systemd/guichet-web.service;
see the README, « Benchmarks »). It is warmed up by a short visit of other subscribers, then
Locust runs headless for --duration and the script prints, per page, requests, failures,
p50/p95/p99 and req/s, the peak resident memory of the gunicorn processes (sampled every
0.1 s) and their CPU time per request, the load average, and whether the targets held (p95
under 100 ms for every page and no failure; with --burst, every login answered with a p95
within 1 s).
"""

import argparse
import csv
import datetime
import hashlib
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGE_P95_MS = 100
LOGIN_P95_MS = 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", action="store_true", help="50 logins at once (--users)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument(
        "--duration", help="Locust's --run-time: 2m by default, 20s with --burst (90s, 5m…)"
    )
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--warm-up", default="15s", help="visits before the measure")
    parser.add_argument("--invoices", type=int, default=3, help="monthly invoices per subscriber")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (gthread above 1, else sync)"
    )
    parser.add_argument("--port", type=int, default=8750)
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a database of the server to create the throw-away database from",
    )
    parser.add_argument("--database-name", default=f"guichet_load_bench_{os.getpid()}")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--setup", help=argparse.SUPPRESS)
    parser.add_argument("--render", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(args)
        return 0
    if args.render:
        render(args.render)
        return 0
    if args.burst:
        # Every user at once; each logs in once and stops.
        args.spawn_rate = args.users
    args.duration = args.duration or ("20s" if args.burst else "2m")
    if args.users + args.workers * args.threads > args.subscribers:
        parser.error(
            "--subscribers must be at least --users plus --workers × --threads (each user, "
            "and each of the warm-up's, has its own)"
        )

    problem = unreachable(args)
    if problem:
        print(f"Load test skipped: {problem}")
        return 0
    database_url = args.postgres.rsplit("/", 1)[0] + f"/{args.database_name}"
    import psycopg

    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database_name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="guichet-load-") as folder:
            return run(args, database_url, Path(folder))
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database_name}" WITH (FORCE)')


def unreachable(args) -> str:
    try:
        import psycopg

        with psycopg.connect(args.postgres, connect_timeout=3):
            pass
    except Exception as exc:  # noqa: BLE001 (any failure means: no PostgreSQL to test on)
        return f"PostgreSQL at {args.postgres} cannot be reached ({exc})."
    try:
        import redis

        redis.Redis.from_url(args.redis, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis at {args.redis} cannot be reached ({exc})."
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            return f"port {args.port} is already in use (--port)."
    return ""


def run(args, database_url: str, folder: Path) -> int:
    common = {
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis,
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    development = {
        **base,
        **common,
        "DEBUG": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    production = {
        **base,
        **common,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUICHET_SITE_URL": "https://espaceclient.example.fr",
        "TRUSTED_PROXY_COUNT": "1",
        "PAYMENTS_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_" + "0" * 24,
        "STRIPE_WEBHOOK_SECRET": "whsec_" + "0" * 32,
        "PAYMENTS_IBAN_KEY": "q0cH0rX7b8mT9kR1s2v3w4x5y6z7A8B9C0D1E2F3G4H=",
        "PAYMENTS_CREDITOR_ID": "",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    subscribers = folder / "subscribers.json"
    started = time.monotonic()
    print(
        f"Database {args.database_name}: {args.subscribers} subscribers, "
        f"{args.invoices} invoices each" + ("" if args.burst else " with their PDF") + "…",
        flush=True,
    )
    command = [sys.executable, __file__, "--setup", str(subscribers)]
    command += ["--subscribers", str(args.subscribers), "--invoices", str(args.invoices)]
    subprocess.run(command, env=development, cwd=ROOT, check=True)
    # The PDFs the test opens: each measured or warm-up subscriber's latest invoice (a burst
    # opens none). The others would be drawn at their first opening, as after a run --no-pdf.
    warm = args.workers * args.threads
    used = [*range(args.users), *range(args.subscribers - warm, args.subscribers)]
    renderers = [
        subprocess.Popen(
            [sys.executable, __file__, "--render", f"{part}/2:" + ",".join(map(str, used))],
            env=development,
            cwd=ROOT,
        )
        for part in range(0 if args.burst else 2)
    ]
    if any(renderer.wait() for renderer in renderers):
        raise SystemExit("PDF rendering failed")
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, env=production, cwd=ROOT, check=True)
    print(f"  ready in {time.monotonic() - started:.0f} s", flush=True)

    gunicorn = [
        str(BIN / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread" if args.threads > 1 else "sync",
        "--threads",
        str(args.threads),
        "--no-control-socket",
        "--timeout",
        "60",
    ]
    server = subprocess.Popen(gunicorn, env=production, cwd=ROOT, start_new_session=True)
    sampler = RssSampler(server.pid)
    try:
        wait_for(args.port, server)
        sampler.start()
        host = f"http://127.0.0.1:{args.port}"
        locust = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
        locust += ["--host", host, "--only-summary", "--stop-timeout", "10", "--loglevel", "ERROR"]
        environment = {**base, "LOAD_SUBSCRIBERS": str(subscribers)}
        # A server in service has answered before: each worker loads its code and templates
        # on its first requests, so the measured subscribers come after a short visit of
        # other ones (the last of the list), with no think time.
        warm = args.workers * args.threads
        print(f"Warming up: {warm} other subscribers for {args.warm_up}", flush=True)
        subprocess.run(
            [*locust, "-u", str(warm), "-r", str(warm), "-t", args.warm_up],
            env={
                **environment,
                "LOAD_FIRST": str(args.subscribers - warm),
                "LOAD_THINK_MIN": "0",
                "LOAD_THINK_MAX": "0.1",
            },
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        sampler.reset()
        prefix = folder / "locust"
        locust += ["-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.duration]
        locust += ["--csv", str(prefix)]
        environment["LOAD_MODE"] = "burst" if args.burst else "visit"
        kind = "login burst" if args.burst else "visits"
        print(
            f"Locust ({kind}): {args.users} users, {args.spawn_rate:g}/s, for {args.duration}; "
            f"gunicorn {args.workers} workers × {args.threads} threads on 127.0.0.1:{args.port}",
            flush=True,
        )
        load_before = os.getloadavg()
        subprocess.run(locust, env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
        load_after = os.getloadavg()
        cpu = sampler.cpu_seconds() - sampler.cpu_start
    finally:
        sampler.stop()
        stop(server)
    return report(args, prefix, sampler, cpu, load_before, load_after)


class RssSampler(threading.Thread):
    """The gunicorn processes' resident memory, summed and per worker, at their highest."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        import psutil

        self.master = psutil.Process(pid)
        self.peak_total = 0
        self.peak_worker = 0
        self.peak_master = 0
        self.workers = 0
        self._stop = threading.Event()

    def run(self):
        import psutil

        while not self._stop.wait(0.1):
            try:
                children = self.master.children()
                master = self.master.memory_info().rss
            except psutil.Error:
                return
            rss = []
            for child in children:
                try:
                    rss.append(child.memory_info().rss)
                except psutil.Error:
                    continue
            self.workers = max(self.workers, len(rss))
            self.peak_master = max(self.peak_master, master)
            self.peak_worker = max([self.peak_worker, *rss])
            self.peak_total = max(self.peak_total, master + sum(rss))

    def reset(self):
        self.peak_total = self.peak_worker = self.peak_master = 0
        self.cpu_start = self.cpu_seconds()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the master and its live workers so far."""
        import psutil

        total = 0.0
        for process in [self.master, *self.master.children()]:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def stop(self):
        self._stop.set()


def wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {server.returncode})")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def report(args, prefix: Path, sampler: RssSampler, cpu: float, before, after) -> int:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        print("Locust wrote no statistics")
        return 1
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    width = max(len(row["Name"]) for row in rows)
    print()
    print(f"{'page':<{width}}  requests  failures    p50    p95    p99  req/s")
    ok = True
    for row in rows:
        name = row["Name"]
        line = (
            f"{name:<{width}}  {int(row['Request Count']):>8}  {int(row['Failure Count']):>8}  "
            f"{row['50%']:>5}  {row['95%']:>5}  {row['99%']:>5}  {float(row['Requests/s']):>5.1f}"
        )
        print(line)
        if name == "Aggregated":
            continue
        limit = LOGIN_P95_MS if args.burst or "(login)" in name else PAGE_P95_MS
        if int(row["Failure Count"]) or float(row["95%"]) > limit:
            ok = False
        if args.burst and "(login)" in name and int(row["Request Count"]) < args.users:
            ok = False
    mib = 1024 * 1024
    print("(times in ms)")
    total = int(rows[-1]["Request Count"]) if rows[-1]["Name"] == "Aggregated" else 0
    if total:
        print(
            f"gunicorn CPU time: {cpu:.1f} s for {total} requests = "
            f"{cpu * 1000 / total:.1f} ms per request (steadier than latency on a busy machine)"
        )
    print(
        f"gunicorn peak RSS: {sampler.peak_total / mib:.0f} MiB in all "
        f"(master {sampler.peak_master / mib:.0f} MiB + {sampler.workers} workers, "
        f"the largest {sampler.peak_worker / mib:.0f} MiB)"
    )
    print(
        "load average (1, 5, 15 min): "
        f"{before[0]:.2f} {before[1]:.2f} {before[2]:.2f} before, "
        f"{after[0]:.2f} {after[1]:.2f} {after[2]:.2f} after; {os.cpu_count()} cores"
    )
    if args.burst:
        target = f"every login answered, p95 of the login POST within {LOGIN_P95_MS} ms, no failure"
    else:
        target = f"p95 under {PAGE_P95_MS} ms for every page (login {LOGIN_P95_MS} ms), no failure"
    print(f"target ({target}): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def _reference(rank: int) -> str:
    return f"{60000000 + rank:08d}"


def _password(reference: str) -> str:
    # A password that meets the portal's criteria (else every page leads to changing it).
    return "Bench-" + hashlib.sha256(f"guichet-load-{reference}".encode()).hexdigest()[:16] + "!"


def setup(args) -> None:
    """Migrate, then subscribers with services, passwords and invoices (DEBUG process)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import random

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from guichet.accounts.models import User
    from guichet.catalog.models import Product, ProductKind, Subscription
    from guichet.customers.models import Customer, Holder

    call_command("migrate", verbosity=0)
    random.seed(2026)
    products = [
        Product.objects.create(
            kind=kind, code=code, name=name, monthly_price_cents=price, vat_rate_bp=vat
        )
        for kind, code, name, price, vat in (
            (ProductKind.BUNDLE, "l-confort", "Offre Confort", 5990, 2000),
            (ProductKind.TV, "l-tv", "TV EMOTION", 2490, 1000),
            (ProductKind.TV_OPTION, "l-canal", "Pour accès aux chaînes CANAL+", 300, 2000),
            (ProductKind.INTERNET, "l-extreme", "EXTREME", 3490, 2000),
            (ProductKind.FIXED, "l-fixe", "Téléphonie fixe", 500, 2000),
            (ProductKind.MOBILE, "l-mobile", "Mobile 10 Go", 990, 2000),
        )
    ]
    references = [_reference(n) for n in range(args.subscribers)]
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            Customer(
                reference=reference,
                contract_postal_code="68000",
                installation_street=f"{n % 200 + 1} rue des Tanneurs",
                installation_postal_code="68000",
                installation_city="Colmar",
                billing_street=f"{n % 200 + 1} rue des Tanneurs",
                billing_postal_code="68000",
                billing_city="Colmar",
                invoice_email=f"client{n}@example.fr",
            )
            for n, reference in enumerate(references)
        )
        Holder.objects.bulk_create(
            Holder(customer=customer, civility="Mme", first_name="Anne", last_name=f"Client{n}")
            for n, customer in enumerate(customers)
        )
        Subscription.objects.bulk_create(
            Subscription(customer=customer, product=product, start_date=datetime.date(2024, 3, 1))
            for customer in customers
            for product in random.sample(products, random.randint(2, 4))
        )
        # One hash each, with the server's parameters (ARGON2_*), as a login would store it.
        User.objects.bulk_create(
            User(
                username=customer.reference,
                customer=customer,
                password=make_password(_password(customer.reference)),
            )
            for customer in customers
        )
    today = datetime.date.today()
    for back in range(args.invoices, 0, -1):
        month = (today.year * 12 + today.month - 1) - back
        period = datetime.date(month // 12, month % 12 + 1, 1)
        issued = datetime.date((month + 1) // 12, (month + 1) % 12 + 1, 1)
        call_command(
            "billing_run",
            "--period",
            f"{period:%Y-%m}",
            "--issue-date",
            issued.isoformat(),
            "--no-pdf",
            "--no-notify",
            "--no-progress",
            stdout=io.StringIO(),
        )
    Path(args.setup).write_text(
        json.dumps([[reference, _password(reference)] for reference in references]),
        encoding="utf-8",
    )


def render(what: str) -> None:
    """Render the latest invoice's PDF of some subscribers: « 0/2:0,1,5 » is the even ones of
    the subscribers 0, 1 and 5 (their rank in the list), for the first of two processes."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from guichet.billing.models import Invoice
    from guichet.billing.services import invoice_render_pdf

    part, ranks = what.split(":")
    index, count = (int(number) for number in part.split("/"))
    references = [_reference(int(rank)) for rank in ranks.split(",")]
    latest = (
        Invoice.objects.filter(customer__reference__in=references)
        .order_by("customer_id", "-issue_date")
        .distinct("customer_id")
        .values_list("pk", flat=True)
    )
    for number, invoice_id in enumerate(sorted(latest)):
        if number % count == index:
            invoice_render_pdf(invoice_id=invoice_id)


if __name__ == "__main__":
    sys.exit(main())
