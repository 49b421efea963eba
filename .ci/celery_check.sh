#!/usr/bin/env bash
# A billing run handed to a real Celery worker (Redis broker, PostgreSQL): the invoices are
# issued by the worker, their PDFs drawn there, and the outbox e-mails sent by it.
set -euo pipefail
cd "$(dirname "$0")/.."

db="guichet_ci_worker_$$"
psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $db" >/dev/null
media=$(mktemp -d)
worker_pid=""
cleanup() {
    [ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null && wait "$worker_pid" 2>/dev/null
    psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    rm -rf "$media"
}
trap cleanup EXIT

export DEBUG=1 GUICHET_DEMO=1 DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" \
    REDIS_URL="redis://127.0.0.1:6379/13" CELERY_BROKER_URL="redis://127.0.0.1:6379/12" \
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend" MEDIA_ROOT="$media"
redis-cli -n 12 flushdb >/dev/null 2>&1 || true

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/celery -A config worker --pool solo --concurrency 1 --loglevel WARNING &
worker_pid=$!
.venv/bin/python manage.py load_demo >/dev/null
# A month before the 14 the demo has billed already, so the run has every customer to bill.
export PERIOD=$(.venv/bin/python -c '
import datetime
first = datetime.date.today().replace(day=1)
months = first.year * 12 + first.month - 1 - 17
print(f"{months // 12}-{months % 12 + 1:02d}")')
.venv/bin/python manage.py billing_run --period "$PERIOD" --issue-date "$PERIOD-25" \
    --batch-size 3 --no-progress --timeout 120
.venv/bin/python manage.py shell -c '
import datetime, os, time
from guichet.billing.models import Invoice
from guichet.core.models import OutboxEmail
period = datetime.date.fromisoformat(os.environ["PERIOD"] + "-01")
invoices = Invoice.objects.filter(period=period)
assert invoices.count() >= 6, f"the worker issued {invoices.count()} invoices"
for _ in range(120):
    if not invoices.filter(pdf_sha256="").exists() and not OutboxEmail.objects.filter(
        status=OutboxEmail.Status.PENDING).exists():
        break
    time.sleep(1)
assert not invoices.filter(pdf_sha256="").exists(), "PDFs not drawn by the worker"
assert not OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING).exists(), "mails left"
print(f"real worker: {invoices.count()} invoices, PDFs and", OutboxEmail.objects.count(), "e-mails")
'
