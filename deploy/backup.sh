#!/usr/bin/env bash
# Guichet's backup: the database (pg_dump custom format) and the stored files (MEDIA_ROOT:
# invoice PDFs, data archives, debit files) into one dated folder.
#
#   set -a && . /etc/guichet/guichet.env && set +a
#   deploy/backup.sh [/var/backups/guichet]
#
# Reads DATABASE_URL and MEDIA_ROOT from the environment (the services' settings file). Keys
# (SECRET_KEY_FILE, PAYMENTS_IBAN_KEY_FILE) are not copied: keep them apart from the backups
# (docs/deployment.md). With STORAGE_BACKEND=s3 the files live in the bucket: back the bucket
# up with the provider's tools (versioning, replication); only the database is dumped here.
# Prints the folder it wrote; exits non-zero if anything failed (nothing half-written is left
# under the final name).
set -euo pipefail
umask 077

dest_root=${1:-/var/backups/guichet}
: "${DATABASE_URL:?DATABASE_URL is not set: load the settings file first (set -a && . /etc/guichet/guichet.env && set +a)}"
case "$DATABASE_URL" in
postgres://* | postgresql://*) ;;
*) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
final="$dest_root/$stamp"
partial="$dest_root/.$stamp.partial"
mkdir -p "$dest_root"
rm -rf "$partial"
mkdir "$partial"
trap 'rm -rf "$partial"' EXIT

pg_dump --format=custom --no-owner --no-privileges --file="$partial/guichet.dump" \
    --dbname="$DATABASE_URL"

if [ "${STORAGE_BACKEND:-local}" = s3 ]; then
    echo "STORAGE_BACKEND=s3: the files are in the bucket, back it up there" >"$partial/media.txt"
else
    : "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
    [ -d "$MEDIA_ROOT" ] || { echo "backup.sh: MEDIA_ROOT $MEDIA_ROOT is not a folder" >&2; exit 2; }
    tar --create --gzip --file="$partial/media.tar.gz" --directory="$MEDIA_ROOT" .
fi

(cd "$partial" && sha256sum -- * >SHA256SUMS)
mv "$partial" "$final"
trap - EXIT
echo "$final"
