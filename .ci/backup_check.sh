#!/usr/bin/env bash
# Backups tested: a throw-away PostgreSQL database with an issued invoice and its PDF, saved by
# deploy/backup.sh, then the database dropped and the files deleted, restored by
# deploy/restore.sh, and the invoice row and its PDF's bytes (their SHA-256, stored on the
# invoice) checked back. Data come from the documented commands (import_customers, billing_run).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '== %s\n' "$*"; }

db="guichet_ci_backup_$$"
admin=(psql -h 127.0.0.1 -U postgres -d test -qX)
work=$(mktemp -d /tmp/guichet-backup.XXXXXX)
cleanup() {
    "${admin[@]}" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    "${admin[@]}" -c "DROP ROLE IF EXISTS $db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

export DEBUG=1 DATABASE_URL="postgres://$db@127.0.0.1:5432/$db" MEDIA_ROOT="$work/media" \
    REDIS_URL="" CELERY_BROKER_URL="" EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
"${admin[@]}" -c "CREATE ROLE $db LOGIN"
"${admin[@]}" -c "CREATE DATABASE $db OWNER $db"
mkdir -p "$MEDIA_ROOT"

say "a customer imported and billed, its invoice's PDF drawn ($db)"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py import_customers .ci/customers.csv --no-progress
period=$(python3 -c '
import datetime
first = datetime.date.today().replace(day=1)
print((first - datetime.timedelta(days=1)).strftime("%Y-%m"))')
.venv/bin/python manage.py billing_run --period "$period" --no-progress
check_invoice() { # prints « number sha256 » of the invoice, after checking its stored file
    .venv/bin/python manage.py shell --no-imports -c '
import hashlib
from django.conf import settings
from guichet.billing.models import Invoice
invoice = Invoice.objects.get(customer__reference="01990077")
content = (settings.MEDIA_ROOT / invoice.pdf.name).read_bytes()
assert content.startswith(b"%PDF-"), invoice.pdf.name
assert hashlib.sha256(content).hexdigest() == invoice.pdf_sha256, "PDF bytes differ"
print(invoice.number, invoice.pdf_sha256, invoice.total_incl_vat_cents, invoice.lines.count(), invoice.pdf.name)'
}
before=$(check_invoice)
echo "   before: $before"

say "deploy/backup.sh"
folder=$(deploy/backup.sh "$work/backups")
ls -l "$folder"

say "the database dropped and the files deleted"
"${admin[@]}" -c "DROP DATABASE $db"
rm -rf "$MEDIA_ROOT"
"${admin[@]}" -c "CREATE DATABASE $db OWNER $db"

say "deploy/restore.sh $folder"
deploy/restore.sh "$folder"
if deploy/restore.sh "$folder" >/dev/null 2>&1; then
    echo "restore.sh went over a database that has tables" >&2
    exit 1
fi
after=$(check_invoice)
echo "   after:  $after"
[ "$before" = "$after" ] || { echo "== FAILED: the restored invoice differs" >&2; exit 1; }
.venv/bin/python manage.py migrate --check --noinput -v0
say "backup and restore: ok (invoice, PDF bytes and SHA-256 back)"
