#!/usr/bin/env bash
# Proves a backup restores: seed a database, pg_dump it, pg_restore into a fresh database, and
# compare the row count of every table and the invoice totals. Exits non-zero on a mismatch.
#
#   scripts/backup_roundtrip.sh [SOURCE_DB] [RESTORED_DB]
#
# Both databases are DROPPED and re-created: never point this at real data. Connection:
# PGHOST (default 127.0.0.1), PGPORT (5432), PGUSER (postgres), PGPASSWORD if needed.
# SEED_SIZE (default S) is the seed_demo size. The same pg_dump / pg_restore commands are the
# ones docs/DEPLOYMENT.md gives for real backups.
set -euo pipefail
cd "$(dirname "$0")/.."

SOURCE_DB=${1:-backup_roundtrip_source}
RESTORED_DB=${2:-backup_roundtrip_restored}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
SEED_SIZE=${SEED_SIZE:-S}
DUMP=$(mktemp -t timetracker-backup.XXXXXX.dump)
trap 'rm -f "$DUMP"' EXIT

url() { echo "postgres://${PGUSER}${PGPASSWORD:+:$PGPASSWORD}@${PGHOST}:${PGPORT}/$1"; }

echo "-- seeding $SOURCE_DB (size $SEED_SIZE)"
dropdb --if-exists "$SOURCE_DB"
createdb "$SOURCE_DB"
export DEBUG=True
DATABASE_URL=$(url "$SOURCE_DB") "$PYTHON" manage.py migrate --noinput -v0
DATABASE_URL=$(url "$SOURCE_DB") "$PYTHON" manage.py seed_demo --size "$SEED_SIZE" >/dev/null

echo "-- pg_dump $SOURCE_DB"
pg_dump --format=custom --no-owner --file="$DUMP" "$SOURCE_DB"

echo "-- pg_restore into $RESTORED_DB"
dropdb --if-exists "$RESTORED_DB"
createdb "$RESTORED_DB"
pg_restore --no-owner --exit-on-error --dbname="$RESTORED_DB" "$DUMP"

echo "-- comparing"
"$PYTHON" scripts/compare_databases.py "$(url "$SOURCE_DB")" "$(url "$RESTORED_DB")"
# The restored database is at the same migration state: nothing left to apply.
DATABASE_URL=$(url "$RESTORED_DB") "$PYTHON" manage.py migrate --check -v0
echo "-- backup round trip OK"
