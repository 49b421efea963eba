"""Benchmark of the customer pages under gunicorn, beside the ceiling of a minimal Django page.

    .venv/bin/python bench/pages.py                                # SQLite, and PostgreSQL + Redis
    .venv/bin/python bench/pages.py --databases sqlite --duration 3 --rounds 3

For each database (a SQLite file in a temporary folder; a throw-away PostgreSQL database,
created and dropped, with Redis for the cache and sessions, when both answer) it migrates,
loads the demo data (`load_demo`, with DEBUG=1 GUICHET_DEMO=1, in a process of its own) and
draws the PDFs of the demo subscriber's last 12 invoices, then serves the data with
**production settings** (DEBUG off, secrets in the environment, https site address, JSON logs)
under gunicorn, 2 sync workers, as if behind one TLS-terminating proxy (TRUSTED_PROXY_COUNT=1:
each request says X-Forwarded-Proto: https, so nothing is redirected to https). Beside it, a
second gunicorn, started the same way, serves `bench/ceiling_settings.py`: the same settings
and middleware with one more page, /plafond/ (session, user, one query, a small template).

It logs the demo subscriber in through the real login form (CSRF token and cookie), then,
with that session, alternates short `wrk --latency` runs (-c4 -t2 by default) of the ceiling
and of each customer page, for several rounds. A page's req/s and p50/p99 latencies are
medians over the rounds; its share of the ceiling is the median over the rounds of its
req/s divided by the ceiling's run just before it, which keeps a busy machine's drift out of
the ratio. Every page must answer 200 before and after the runs, and wrk must see no error;
the exit code is 1 otherwise.
"""

import argparse
import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

CEILING = ("minimal logged-in Django page (the ceiling)", "/plafond/")
PAGES = [
    ("« Accueil »", "/accueil/"),
    ("« Mes services »", "/mes-services/"),
    ("« Mes factures »", "/mes-factures/"),
    ("« Mon profil »", "/mes-donnees/mon-profil/"),
    ("« Payer en ligne »", "/payer-en-ligne/"),
    ("« Mode de paiement »", "/mon-dossier/mode-de-paiement/"),
    ("« Contactez-nous »", "/contactez-nous/"),
    ("« Mes données personnelles »", "/mon-dossier/mes-donnees-personnelles/"),
]
# What the demo subscriber of the README logs in with.
LOGIN, PASSWORD = "01776108", "Demo-Guichet-2026!"
# A proxy in front: TLS ends there, it says so, and it gives the client's address.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
RENDER_PDFS = """
from guichet.billing.models import Invoice
from guichet.billing.services.pdf import invoice_render_pdf
from guichet.customers.models import Customer
customer = Customer.objects.get(reference={reference!r})
invoices = Invoice.objects.for_customer(customer).order_by("-issue_date")[:12]
for invoice in invoices:
    invoice_render_pdf(invoice_id=invoice.pk)
print(len(invoices))
"""


class BenchError(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="ceiling/page alternations")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8700, help="first of the ports used")
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a database of the server to create the throw-away database from",
    )
    parser.add_argument("--pg-name", default="guichet_pages_bench", help="throw-away database")
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/9",
        help="Redis database for the cache and sessions beside PostgreSQL",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        parser.error("wrk is needed (apt-get install wrk)")

    results, failures = {}, []
    with tempfile.TemporaryDirectory(prefix="guichet-pages-bench-") as folder:
        folder = Path(folder)
        base = production_env(folder)
        print("collectstatic (production storage: hashed, compressed)...", flush=True)
        manage(base, "collectstatic", "--noinput", "-v0")
        for number, database in enumerate(args.databases.split(",")):
            port = args.port + 2 * number
            if database == "sqlite":
                env = {**base, "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3"}
                results["SQLite"] = run_database("SQLite", env, args, folder, port, failures)
            elif database in ("postgres", "postgresql"):
                outcome = with_postgres(args, base, folder, port, failures)
                if outcome is not None:
                    results["PostgreSQL + Redis"] = outcome
            else:
                parser.error(f"unknown database {database!r}")
    print_table(results, args)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures or not results else 0


def production_env(folder: Path) -> dict:
    """Production mode as the README's deployment sets it, secrets made up for the run."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUICHET_", "DATABASE_", "REDIS_", "CELERY_"))
        and key not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PAYMENTS_IBAN_KEY")
    }
    import base64

    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        GUICHET_SITE_URL="https://espaceclient.example.fr",
        TRUSTED_PROXY_COUNT="1",
        PAYMENTS_PROVIDER="stripe",
        STRIPE_SECRET_KEY="sk_test_bench",
        STRIPE_WEBHOOK_SECRET="whsec_bench",
        PAYMENTS_IBAN_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        PAYMENTS_CREDITOR_ID="FR72ZZZ123456",
        PAYMENTS_CREDITOR_IBAN="FR7630006000011234567890189",
        PAYMENTS_CREDITOR_BIC="AGRIFRPP",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        CELERY_BEAT_SCHEDULE_FILENAME=str(folder / "celerybeat-schedule"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def manage(env: dict, *command: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise BenchError(f"manage.py {' '.join(command)}:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare(env: dict) -> None:
    """Migrations, the demo data (demo mode, refused otherwise), the subscriber's 12 PDFs."""
    demo = {**env, "DEBUG": "1", "GUICHET_DEMO": "1"}
    manage(demo, "migrate", "--noinput", "-v0")
    manage(demo, "load_demo")
    count = manage(env, "shell", "-c", RENDER_PDFS.format(reference=LOGIN)).split()[-1]
    if count != "12":
        raise BenchError(f"expected 12 invoice PDFs for {LOGIN}, drew {count}")


def with_postgres(args, base: dict, folder: Path, port: int, failures: list) -> dict | None:
    try:
        import psycopg
        import redis
    except ImportError as exc:
        print(f"PostgreSQL + Redis skipped: {exc}")
        return None
    try:
        admin = psycopg.connect(args.postgres, autocommit=True, connect_timeout=3)
        redis.Redis.from_url(args.redis, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 (any reason the servers cannot be used)
        print(f"PostgreSQL + Redis skipped: {exc}")
        return None
    name = args.pg_name
    url = urllib.parse.urlsplit(args.postgres)._replace(path=f"/{name}").geturl()
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            env = {**base, "DATABASE_URL": url, "REDIS_URL": args.redis}
            return run_database("PostgreSQL + Redis", env, args, folder, port, failures)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_database(name: str, env: dict, args, folder: Path, port: int, failures: list) -> dict:
    print(f"{name}: migrate, demo data, 12 invoice PDFs...", flush=True)
    try:
        prepare(env)
    except BenchError as exc:
        failures.append(f"{name}: {exc}")
        return {}
    logs = folder / f"gunicorn-{port}.log"
    servers = []
    try:
        with logs.open("ab") as log:
            servers.append(gunicorn(env, port, args.workers, log))
            ceiling_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.ceiling_settings"}
            servers.append(gunicorn(ceiling_env, port + 1, args.workers, log))
            for server_port in (port, port + 1):
                wait_until_up(server_port, servers)
            cookies = log_in(port)
            targets = [(CEILING, port + 1)] + [(page, port) for page in PAGES]
            failures += check_pages(name, targets, cookies)
            print(f"{name}: warming up, then {args.rounds} rounds", flush=True)
            for (_, path), server_port in targets:
                wrk(server_port, path, cookies, args, duration=1)
            runs = {path: [] for (_, path), _ in targets}
            ratios = {path: [] for _, path in PAGES}
            for _ in range(args.rounds):
                for label, path in PAGES:
                    ceiling = wrk(port + 1, CEILING[1], cookies, args)
                    page = wrk(port, path, cookies, args)
                    runs[CEILING[1]].append(ceiling)
                    runs[path].append(page)
                    ratios[path].append(page["rps"] / ceiling["rps"])
                    for run, what in ((ceiling, CEILING[0]), (page, label)):
                        if run["errors"]:
                            failures.append(f"{name}: {what}: {run['errors']}")
                    print(
                        f"  {label:<32} {page['rps']:7.0f} req/s, ceiling {ceiling['rps']:.0f}",
                        flush=True,
                    )
            failures += check_pages(name, targets, cookies)
    except BenchError as exc:
        failures.append(f"{name}: {exc}")
        print(logs.read_text(errors="replace")[-3000:], file=sys.stderr)
        return {}
    finally:
        for server in servers:
            stop(server)
    rows = []
    for (label, path), _ in targets:
        row = {
            "label": label,
            "rps": statistics.median(run["rps"] for run in runs[path]),
            "p50": statistics.median(run["p50"] for run in runs[path]),
            "p99": statistics.median(run["p99"] for run in runs[path]),
            "ratio": statistics.median(ratios[path]) if path in ratios else 1.0,
        }
        rows.append(row)
    return {"rows": rows}


def gunicorn(env: dict, port: int, workers: int, log) -> subprocess.Popen:
    """The deployment's gunicorn command line (deploy/systemd/guichet-web.service)."""
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--timeout",
            "60",
            "--graceful-timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        # Its own process group, so that it and its workers are stopped together.
        start_new_session=True,
    )


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def request(port: int, method: str, path: str, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={**PROXY_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def wait_until_up(port: int, servers: list) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(server.poll() is not None for server in servers):
            raise BenchError("gunicorn stopped")
        try:
            if request(port, "GET", "/connexion/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"nothing answers on port {port}")


def cookies_of(headers: list, cookies: dict) -> dict:
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";", 1)[0]
    return cookies


def cookie_header(cookies: dict) -> str:
    return "; ".join(f"{key}={value}" for key, value in cookies.items())


def log_in(port: int) -> dict:
    """The login form as a browser fills it: its CSRF cookie and token, then the POST."""
    status, headers, body = request(port, "GET", "/connexion/")
    cookies = cookies_of(headers, {})
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token:
        raise BenchError(f"login page: {status}, no CSRF token")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "login": LOGIN, "password": PASSWORD}
    )
    origin = f"https://127.0.0.1:{port}"
    status, headers, body = request(
        port,
        "POST",
        "/connexion/",
        headers={
            "Cookie": cookie_header(cookies),
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}/connexion/",
        },
        body=form,
    )
    cookies_of(headers, cookies)
    if status != 302 or not any("session" in key for key in cookies):
        raise BenchError(f"login refused: {status} {body[:300]!r}")
    return cookies


def check_pages(name: str, targets: list, cookies: dict) -> list:
    failures = []
    for (label, path), port in targets:
        status, headers, _ = request(port, "GET", path, {"Cookie": cookie_header(cookies)})
        if status != 200:
            location = dict(headers).get("Location", "")
            failures.append(f"{name}: {label} {path} answered {status} {location}")
    return failures


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(port: int, path: str, cookies: dict, args, duration: float | None = None) -> dict:
    headers = {**PROXY_HEADERS, "Cookie": cookie_header(cookies)}
    command = [
        "wrk",
        f"-c{args.connections}",
        f"-t{args.threads}",
        f"-d{duration or args.duration:g}s",
        "--latency",
    ]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m))", output, flags=re.M))
    errors = []
    if "50" not in latency or "99" not in latency:
        errors.append(f"no latency distribution in wrk's output: {output!r}")
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors.append(f"{match.group(1)} non-2xx/3xx responses")
    if match := re.search(r"Socket errors: (.*)", output):
        errors.append(f"socket errors: {match.group(1)}")
    nan = float("nan")
    return {
        "rps": rps,
        "p50": _ms(latency["50"]) if "50" in latency else nan,
        "p99": _ms(latency["99"]) if "99" in latency else nan,
        "errors": errors,
    }


def print_table(results: dict, args) -> None:
    print()
    print(
        f"gunicorn {args.workers} sync workers, production settings; wrk -c{args.connections} "
        f"-t{args.threads}, {args.rounds} rounds of {args.duration:g} s, medians:"
    )
    for name, result in results.items():
        if not result:
            continue
        print()
        print(f"{name}:")
        print(f"  {'page':<46} {'req/s':>7} {'ceiling':>8} {'p50':>8} {'p99':>8}")
        for row in result["rows"]:
            print(
                f"  {row['label']:<46} {row['rps']:7.0f} {row['ratio']:7.0%} "
                f"{row['p50']:6.1f}ms {row['p99']:6.1f}ms"
            )


def _interrupted(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    # A kill stops the servers too (the finally blocks run).
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
