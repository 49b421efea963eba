#!/usr/bin/env bash
# The README's deployment section, run as it is written, in a fresh clone where the demo ran
# first (its SQLite data and a development .env left behind), with this machine's PostgreSQL
# and Redis; then gunicorn, a Celery worker and beat as the systemd units it writes would
# start them, a local SMTP server as the mail relay, and over HTTP: a subscriber imported with
# import_customers asks for a first-access link (anti-robot check solved), the e-mail leaves
# the outbox through the worker to the SMTP server, its link sets the password; then headers,
# login, « Mes factures », a PDF drawn by the worker, a card payment whose signed notification
# the worker applies; the worker's log shows beat's periodic e-mail sweep; no secret in logs.
# It tests the commits of this checkout (a clone), not uncommitted changes. Everything it starts
# or creates is stopped and removed on exit. Needs root, like the README.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '== [%ss] %s\n' "$SECONDS" "$*"; }
die() {
    printf '== FAILED: %s\n' "$*" >&2
    exit 1
}

if [ "$(id -u)" != 0 ]; then
    say "the deployment section is written for root: skipped (run CI as root)"
    exit 0
fi

work=$(mktemp -d /tmp/guichet-deploy.XXXXXX)
checkout="$work/guichet"
pids=()
cache_db=""
broker_db=""
export DEPLOY_DB="guichet_deploy_$$"
psql_admin=(runuser -u postgres -- psql -qX)

cleanup() {
    local status=$?
    set +e
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$pid" 2>/dev/null
    done
    if [ "$status" != 0 ]; then
        for log in "$work"/*.log; do
            [ -f "$log" ] && { echo "---- $log (last lines)"; tail -n 25 "$log"; }
        done
    fi
    "${psql_admin[@]}" -c "DROP DATABASE IF EXISTS $DEPLOY_DB" >/dev/null 2>&1
    "${psql_admin[@]}" -c "DROP ROLE IF EXISTS $DEPLOY_DB" >/dev/null 2>&1
    for db in $cache_db $broker_db; do redis-cli -n "$db" flushdb >/dev/null 2>&1; done
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# Throw-away values for the variables the README's block starts with.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
for db in 11 10 9 8 7 6 5 4 3 2; do
    [ "$(redis-cli -n "$db" dbsize 2>/dev/null)" = 0 ] || continue
    if [ -z "$cache_db" ]; then cache_db=$db; elif [ -z "$broker_db" ]; then broker_db=$db; break; fi
done
[ -n "$broker_db" ] || die "no two empty Redis databases among 2..11"
export DEPLOY_HOST="espaceclient.ci.example.fr" \
    DEPLOY_DB_PASSWORD="ci$(python3 -c 'import secrets; print(secrets.token_hex(16))')" \
    DEPLOY_REDIS="redis://127.0.0.1:6379" DEPLOY_REDIS_CACHE_DB="$cache_db" \
    DEPLOY_REDIS_BROKER_DB="$broker_db" DEPLOY_ADMIN="admin-ci" DEPLOY_ADMIN_EMAIL="admin@example.fr" \
    DEPLOY_PORT="$(free_port)" DEPLOY_USER=root DEPLOY_ETC="$work/etc" DEPLOY_VAR="$work/var" \
    DEPLOY_UNITS="$work/units" \
    DEPLOY_STRIPE_SECRET_KEY="sk_test_ci_$(python3 -c 'import secrets; print(secrets.token_hex(12))')" \
    DEPLOY_STRIPE_WEBHOOK_SECRET="whsec_ci_$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
export ADMIN_PASSWORD="Ci-Admin-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
mkdir -p "$DEPLOY_UNITS"

say "a fresh clone of $src in $checkout, where the demo runs first"
git clone -q "$src" "$checkout"
# The clone shares this checkout's virtualenv (installing one needs the network and minutes).
[ -x "$src/.venv/bin/python" ] && ln -s "$src/.venv" "$checkout/.venv"
cd "$checkout"
# What `make demo` does before serving (its install step is already done: -o), and the .env
# with DEBUG=1 older versions wrote: the production steps below must not be affected by it.
timeout 300 make -s -o .venv/bin/.installed demo-data >"$work/demo.log" 2>&1 || die "make demo-data"
printf '# Left by development.\nDEBUG=1\n' >.env
[ -f db.sqlite3 ] || die "the demo wrote no SQLite database"

say "the README's deployment block (between <!-- deploy:begin and <!-- deploy:end -->)"
awk '/<!-- deploy:begin/ {on = 1; next} /<!-- deploy:end/ {on = 0} on && !/^```/' README.md \
    >"$work/deploy.sh"
[ "$(grep -c 'manage.py' "$work/deploy.sh")" -ge 4 ] || die "no deployment block found in README.md"
packages=$(sed -n 's/^apt-get install -y //p' "$work/deploy.sh")
if [ -n "$packages" ] && dpkg -s $packages >/dev/null 2>&1; then
    echo "   (apt-get install skipped: $packages are installed)"
    sed -i 's/^apt-get install /: apt-get install /' "$work/deploy.sh"
fi
# No systemd here: the services are started below from the units the block writes.
sed -i 's/^systemctl /: systemctl /' "$work/deploy.sh"
# createstaff asks for the password on a terminal; here it comes from a file.
printf '%s\n' "$ADMIN_PASSWORD" >"$work/admin_password"
sed -i "/manage.py createstaff/s|\$| --password-file $work/admin_password|" "$work/deploy.sh"
grep -q 'createstaff.*--role administration --password-file' "$work/deploy.sh" \
    || die "no createstaff line for the first administrator"
timeout 600 bash -euo pipefail "$work/deploy.sh" >"$work/deploy.log" 2>&1 \
    || die "the README's deployment block (log: deploy.log)"
grep -q "Static files copied\|static files copied" "$work/deploy.log" || die "collectstatic copied nothing"
[ -f "$DEPLOY_VAR/static/staticfiles.json" ] || die "collectstatic wrote no manifest (development mode?)"
grep -q '^DEBUG=0$' "$DEPLOY_ETC/guichet.env" || die "the environment file does not set DEBUG=0"
grep -q "première connexion : " "$work/deploy.log" || die "createstaff printed no first-login code"

say "a local SMTP server as the mail relay (EMAIL_HOST, EMAIL_PORT added to guichet.env)"
smtp_port=$(free_port)
maildir="$work/mail"
"$checkout/.venv/bin/python" .ci/smtp_sink.py "$smtp_port" "$maildir" >"$work/smtp.log" 2>&1 &
pids+=($!)
printf 'EMAIL_HOST=127.0.0.1\nEMAIL_PORT=%s\n' "$smtp_port" >>"$DEPLOY_ETC/guichet.env"
for _ in $(seq 1 20); do grep -q "SMTP sink on" "$work/smtp.log" && break; sleep 0.5; done
grep -q "SMTP sink on" "$work/smtp.log" || die "the SMTP server did not start"

say "the three services, as their units say (ExecStart, WorkingDirectory, EnvironmentFile)"
start_unit() {
    local name=$1 unit="$DEPLOY_UNITS/guichet-$1.service" exec_start dir
    [ -f "$unit" ] || die "the block wrote no $unit"
    exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
    dir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
    [ "$dir" = "$checkout" ] || die "$name: WorkingDirectory is $dir"
    (set -a && . "$DEPLOY_ETC/guichet.env" && set +a && cd "$dir" && exec $exec_start) \
        >"$work/$name.log" 2>&1 &
    pids+=($!)
    echo "   $name: $exec_start"
}
start_unit web
start_unit worker
start_unit beat

base="http://127.0.0.1:$DEPLOY_PORT"
proxy=(-H "Host: $DEPLOY_HOST" -H "X-Forwarded-Proto: https" -H "X-Forwarded-For: 203.0.113.77")
say "/healthz through the proxy headers (up to 60 s for gunicorn)"
# JSON: {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"}.
health_status() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])["status"])' "$1" 2>/dev/null || true; }
health=""
for _ in $(seq 1 60); do
    health=$(curl -s --max-time 5 "${proxy[@]}" "$base/healthz" || true)
    [ "$(health_status "$health")" = ok ] && break
    sleep 1
done
[ "$(health_status "$health")" = ok ] || die "/healthz answered « $health »"
for part in database cache broker storage; do
    grep -q "\"$part\": \"ok\"" <<<"$health" || die "/healthz: $part is not ok: $health"
done
echo "   $health"

say "a subscriber imported with import_customers (.ci/customers.csv)"
export CI_REFERENCE="01990077" CI_POSTAL_CODE="68000" CI_EMAIL="anne.meyer@example.org"
export CI_PASSWORD="Ci-Abonne-$(python3 -c 'import secrets; print(secrets.token_hex(12))')-2026"
(set -a && . "$DEPLOY_ETC/guichet.env" && set +a && timeout 120 .venv/bin/python manage.py \
    import_customers .ci/customers.csv --no-progress) >"$work/import.log" 2>&1 \
    || die "import_customers .ci/customers.csv"
grep -q "1 créés" "$work/import.log" || die "import_customers created no customer"
echo "   $(tail -n 1 "$work/import.log")"

say "first access over HTTP: the reset e-mail leaves the outbox (worker) for the SMTP server"
export VISIT_BASE="http://127.0.0.1:$DEPLOY_PORT" CI_MAILDIR="$maildir" CI_SECRET_FILE="$work/reset-token"
timeout 180 .venv/bin/python .ci/deploy_visit.py reset || die "the first access by e-mail"
grep "received" "$work/smtp.log" | sed 's/^/   smtp: /'

say "a billing run handed to the Celery worker"
period=$(python3 -c '
import datetime
first = datetime.date.today().replace(day=1)
print((first - datetime.timedelta(days=1)).strftime("%Y-%m"))')
(set -a && . "$DEPLOY_ETC/guichet.env" && set +a && timeout 240 .venv/bin/python manage.py \
    billing_run --period "$period" --no-progress --timeout 120) >"$work/billing.log" 2>&1 \
    || die "billing_run --period $period"
grep -q "1 client" "$work/billing.log" || die "billing_run did not bill the subscriber"

jar="$work/cookies"
: >"$jar"
# The cookies are __Host- (Secure): a browser sends them back over https, which the proxy
# ends; curl talks plain http to gunicorn, so they are kept and sent by hand.
remember() { # headers file -> cookie jar (name=value per line, last one wins)
    sed -n 's/^[Ss]et-[Cc]ookie: \([^=]*\)=\([^;]*\).*/\1=\2/p' "$1" | while IFS= read -r kv; do
        grep -v "^${kv%%=*}=" "$jar" >"$jar.new" || true
        echo "$kv" >>"$jar.new"
        mv "$jar.new" "$jar"
    done
}
cookies() { paste -sd ';' "$jar" | sed 's/;/; /g'; }
get() { # path headers-file body-file -> status
    curl -s --max-time 30 "${proxy[@]}" -H "Cookie: $(cookies)" -D "$2" -o "$3" \
        -w '%{http_code}' "$base$1"
    remember "$2"
}
header() { grep -i "^$1:" "$2" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
need_header() { # name file page
    [ -n "$(header "$1" "$2")" ] || die "no $1 header on $3"
    echo "   $3: $1: $(header "$1" "$2" | cut -c1-70)"
}

say "the login page: 200 and the security headers"
status=$(get /connexion/ "$work/h1" "$work/b1")
[ "$status" = 200 ] || die "/connexion/ answered $status"
need_header Strict-Transport-Security "$work/h1" /connexion/
need_header Content-Security-Policy "$work/h1" /connexion/
need_header Permissions-Policy "$work/h1" /connexion/
grep -q '^__Host-guichet-csrf=' "$jar" || die "no __Host-guichet-csrf cookie"
token=$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' "$work/b1" | head -n 1)
[ -n "$token" ] || die "no csrfmiddlewaretoken in the login form"

say "logging in as $CI_REFERENCE"
status=$(curl -s --max-time 30 "${proxy[@]}" -H "Cookie: $(cookies)" -H "Origin: https://$DEPLOY_HOST" \
    -D "$work/h2" -o "$work/b2" -w '%{http_code}' \
    --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "login=$CI_REFERENCE" \
    --data-urlencode "password=$CI_PASSWORD" "$base/connexion/")
remember "$work/h2"
[ "$status" = 302 ] || die "the login answered $status, not a redirect"
grep -q '^__Host-guichet-session=' "$jar" || die "no __Host-guichet-session cookie after login"

say "« Mes factures »: 200, no-store, and the invoice's PDF link"
status=$(get /mes-factures/ "$work/h3" "$work/b3")
[ "$status" = 200 ] || die "/mes-factures/ answered $status"
need_header Content-Security-Policy "$work/h3" /mes-factures/
header Cache-Control "$work/h3" | grep -q no-store || die "/mes-factures/ is not Cache-Control: no-store"
echo "   /mes-factures/: Cache-Control: $(header Cache-Control "$work/h3")"
pdf=$(grep -o 'href="/mes-factures/[A-Za-z0-9_-]*\.pdf"' "$work/b3" | head -n 1 | cut -d'"' -f2)
[ -n "$pdf" ] || die "no PDF link on /mes-factures/"

say "the PDF drawn by the worker: $pdf"
status=""
for _ in $(seq 1 10); do
    status=$(get "$pdf" "$work/h4" "$work/invoice.pdf")
    [ "$status" = 200 ] && break
    sleep 2
done
[ "$status" = 200 ] || die "$pdf answered $status"
header Content-Type "$work/h4" | grep -q application/pdf || die "$pdf is not a PDF"
[ "$(head -c 5 "$work/invoice.pdf")" = "%PDF-" ] || die "$pdf does not start like a PDF"

say "other pages of the subscriber: 200"
for page in /accueil/ /mes-services/ /mes-donnees/mon-profil/ /donnees-personnelles/; do
    status=$(get "$page" "$work/h5" "$work/b5")
    [ "$status" = 200 ] || die "$page answered $status"
done

say "a card payment: the provider's signed notification stored by the web, applied by the worker"
# Production refuses the sandbox provider and takes Stripe's API only at api.stripe.com, which
# CI does not reach: the pending payment is recorded as « Payer en ligne » records it before
# sending the customer to Stripe's page, then Stripe's webhook comes, signed with the
# endpoint's secret (DEPLOY_STRIPE_WEBHOOK_SECRET) exactly as Stripe signs it.
payment=$(set -a && . "$DEPLOY_ETC/guichet.env" && set +a && timeout 60 .venv/bin/python manage.py \
    shell --no-imports -c '
import os, secrets
from guichet.customers.models import Customer
from guichet.payments.balance import balance_for
from guichet.payments.models import Payment
from guichet.payments.services.ledger import payment_reference_new
customer = Customer.objects.get(reference=os.environ["CI_REFERENCE"])
due = balance_for(customer).due_cents
assert due > 0, "nothing due after the billing run"
payment = Payment(customer=customer, reference=payment_reference_new(), method=Payment.Method.CARD,
    amount_cents=due, currency="EUR", provider="stripe",
    provider_reference="cs_test_ci_" + secrets.token_hex(12))
payment.full_clean()
payment.save()
print(payment.reference, payment.amount_cents, payment.provider_reference)' 2>"$work/payment.log") \
    || die "recording the pending payment: $(tail -n 3 "$work/payment.log")"
read -r CI_PAYMENT_REFERENCE CI_PAYMENT_AMOUNT_CENTS CI_PAYMENT_SESSION <<<"$payment"
export CI_PAYMENT_REFERENCE CI_PAYMENT_AMOUNT_CENTS CI_PAYMENT_SESSION
echo "   pending payment $CI_PAYMENT_REFERENCE of $CI_PAYMENT_AMOUNT_CENTS cents ($CI_PAYMENT_SESSION)"
status=$(get /payer-en-ligne/ "$work/h6" "$work/b6")
[ "$status" = 200 ] || die "/payer-en-ligne/ answered $status"
grep -q "Votre dossier est à jour" "$work/b6" && die "/payer-en-ligne/ shows nothing due before paying"
timeout 60 .venv/bin/python .ci/deploy_visit.py notify || die "the payment notification"
paid=""
for _ in $(seq 1 30); do
    status=$(get /payer-en-ligne/ "$work/h6" "$work/b6")
    grep -q "Votre dossier est à jour" "$work/b6" && { paid=1; break; }
    sleep 1
done
[ -n "$paid" ] || die "/payer-en-ligne/ still shows an amount due after the notification"
echo "   /payer-en-ligne/: « Votre dossier est à jour. »"
grep -q "apply_payment_event\[.*\] succeeded" "$work/worker.log" \
    || die "the worker's log shows no apply_payment_event"
grep "apply_payment_event\[.*\] succeeded" "$work/worker.log" | head -n 2 | cut -c1-220 | sed 's/^/   worker: /'
(set -a && . "$DEPLOY_ETC/guichet.env" && set +a && timeout 60 .venv/bin/python manage.py \
    shell --no-imports -c '
import os
from guichet.payments.models import Payment, PaymentEvent
payment = Payment.objects.get(reference=os.environ["CI_PAYMENT_REFERENCE"])
assert payment.status == Payment.Status.CONFIRMED, payment.status
statuses = sorted(PaymentEvent.objects.filter(provider="stripe").values_list("status", flat=True))
assert statuses == ["applied", "failed"], statuses  # the event once, and the forged one refused
print("   payment", payment.reference, payment.status, "; events:", ", ".join(statuses))
') 2>"$work/payment.log" || die "the payment after its notification: $(tail -n 3 "$work/payment.log")"
for _ in $(seq 1 30); do
    [ "$(ls "$maildir" | wc -l)" -ge 2 ] && break
    sleep 1
done
grep "received" "$work/smtp.log" | tail -n 1 | sed 's/^/   smtp: /'
[ "$(ls "$maildir" | wc -l)" -ge 2 ] || die "no payment confirmation e-mail reached the SMTP server"

say "the client address is read from X-Forwarded-For (TRUSTED_PROXY_COUNT=1)"
(set -a && . "$DEPLOY_ETC/guichet.env" && set +a && timeout 60 .venv/bin/python manage.py shell -c '
from guichet.accounts.models import SecurityEvent
ips = set(SecurityEvent.objects.values_list("ip_address", flat=True))
assert ips == {"203.0.113.77"}, ips
') >"$work/ip.log" 2>&1 || die "security events recorded another address: $(tail -n 1 "$work/ip.log")"

say "Celery beat keeps its schedule in $DEPLOY_VAR, not in the checkout"
for _ in $(seq 1 30); do
    ls "$DEPLOY_VAR"/celerybeat-schedule* >/dev/null 2>&1 && break
    sleep 1
done
ls "$DEPLOY_VAR"/celerybeat-schedule* >/dev/null 2>&1 || die "no beat schedule in $DEPLOY_VAR"
[ -z "$(git status --porcelain --ignored -- 'celerybeat-schedule*')" ] || die "beat wrote in the checkout"

say "the worker's work in its log: beat's e-mail sweep (every 60 s) received and done"
for _ in $(seq 1 90); do
    grep -q 'sweep_outbox\[.*\] succeeded' "$work/worker.log" && break
    sleep 1
done
grep -q 'sweep_outbox\[.*\] received' "$work/worker.log" || die "the worker received no sweep_outbox"
grep -q 'sweep_outbox\[.*\] succeeded' "$work/worker.log" || die "no sweep_outbox succeeded"
grep -q 'Sending due task sweep-outbox' "$work/beat.log" || die "beat sent no sweep-outbox"
grep -m 1 'Sending due task sweep-outbox' "$work/beat.log" | cut -c1-200 | sed 's/^/   beat:   /'
grep -E -m 2 'sweep_outbox\[.*\] (received|succeeded)' "$work/worker.log" | cut -c1-200 | sed 's/^/   worker: /'
grep -m 2 'send_outbox_email\[.*\] succeeded' "$work/worker.log" | cut -c1-200 | sed 's/^/   worker: /' || true

say "structured logs: one JSON line per request with its id, security events, no secret"
python3 - "$work/web.log" "$work/worker.log" <<'PY' || die "the web log's JSON lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
worker = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
requests = [l for l in lines if l.get("logger") == "guichet.request"]
events = [l for l in lines if l.get("logger") == "guichet.security"]
assert requests and all(len(l["request_id"]) == 32 for l in requests), "no request lines"
assert all(l["remote_addr"] == "203.0.113.77" for l in requests if l["path"] != "/healthz")
kinds = {l["security_event"] for l in events}
assert {"reset_requested", "reset_used", "login_succeeded"} <= kinds, kinds
line = next(l for l in requests if l["path"] == "/mes-factures/")
print("   web:", json.dumps(line, ensure_ascii=False)[:300])
print("   web:", json.dumps(next(l for l in events if l["security_event"] == "reset_used"))[:300])
# The e-mail task queued by the reset request logs that request's id in the worker.
reset_ids = {l["request_id"] for l in events if l["security_event"] == "reset_requested"}
sent = [l for l in worker if "send_outbox_email[" in l["message"] and l["request_id"] in reset_ids]
assert sent, "no send_outbox_email line with the reset request's id in the worker's log"
print("   worker:", json.dumps(sent[0])[:300])
PY
token=$(cat "$work/reset-token")
[ ${#token} -ge 20 ] || die "no reset token kept to look for"
for log in "$work"/*.log; do
    grep -qF "$token" "$log" && die "the reset link's token is in $(basename "$log")"
    grep -qF "$CI_PASSWORD" "$log" && die "the subscriber's password is in $(basename "$log")"
done
echo "   neither the reset token nor the password in any log"

say "production deployment from the README: ok"
