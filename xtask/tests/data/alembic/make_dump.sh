#!/usr/bin/env bash
# Remakes referaidb.sql: the old app's database as real Alembic leaves it after
# `alembic upgrade head` (guide §3.1). Needs Python 3 and a PostgreSQL server; run from anywhere:
#   PGHOST=127.0.0.1 PGUSER=postgres xtask/tests/data/alembic/make_dump.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${VENV:-/tmp/alembic-venv}"
db="alembic_fixture_$$"
[ -x "$venv/bin/alembic" ] || {
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q alembic sqlalchemy psycopg2-binary bcrypt
}
trap 'dropdb --if-exists "$db"' EXIT
createdb "$db"
cd "$here"
DB_URL="postgresql+psycopg2://${PGUSER:-postgres}@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/$db" \
    "$venv/bin/alembic" upgrade head
pg_dump --format=plain --no-owner --no-privileges "$db" > "$here/referaidb.sql"
echo "wrote $here/referaidb.sql"
