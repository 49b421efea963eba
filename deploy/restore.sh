#!/usr/bin/env bash
# Guichet's restore: a folder written by deploy/backup.sh back into an EMPTY database and
# into MEDIA_ROOT. Stop the services first (systemctl stop guichet-web guichet-worker
# guichet-beat), create the empty database (docs/deployment.md, « Restore »), then:
#
#   set -a && . /etc/guichet/guichet.env && set +a
#   deploy/restore.sh /var/backups/guichet/2026-11-27T031500Z
#
# Refuses a database that already holds tables (restoring over live data would mix them).
# Files are extracted into MEDIA_ROOT (a file of the same name is replaced).
set -euo pipefail

src=${1:?usage: restore.sh BACKUP_FOLDER}
: "${DATABASE_URL:?DATABASE_URL is not set: load the settings file first}"
[ -f "$src/guichet.dump" ] || { echo "restore.sh: no guichet.dump in $src" >&2; exit 2; }
(cd "$src" && sha256sum --check --quiet SHA256SUMS) || {
    echo "restore.sh: $src does not match its SHA256SUMS" >&2
    exit 2
}

tables=$(psql --dbname="$DATABASE_URL" -tAXc \
    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != 0 ]; then
    echo "restore.sh: the database already has $tables tables; restore into an empty one" >&2
    exit 2
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname="$DATABASE_URL" "$src/guichet.dump"

if [ -f "$src/media.tar.gz" ]; then
    : "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
    mkdir -p "$MEDIA_ROOT"
    tar --extract --gzip --file="$src/media.tar.gz" --directory="$MEDIA_ROOT" --no-same-owner
else
    echo "restore.sh: no media.tar.gz (S3 storage?): the files are restored from the bucket" >&2
fi
echo "restored $src"
