#!/usr/bin/env bash
# Benchmark of `cargo xtask adopt --apply`: on the Alembic fixture (a bridge) and on a database of
# 100,000 fake users whose `_sqlx_migrations` was dropped (a baseline). Prints the wall time of each
# run and adopt's own split: backup, building the versions, restore and proof, apply.
# Usage: xtask/benches/adopt.sh [postgres://user@host:port] [RUNS]   (default 127.0.0.1:5432, 3 runs)
set -euo pipefail
server=${1:-postgres://postgres@127.0.0.1:5432}
runs=${2:-3}
db=xtask_bench_adopt
databases="$db ${db}_big"
source "$(dirname "$0")/common.sh"
fixture="$root/xtask/tests/data/alembic"

# adopt_once URL ARGS...: one `adopt --apply`, its wall time and its own split.
adopt_once() {
  local url=$1
  shift
  local start end
  start=$(date +%s.%N)
  DB_URL=$url "$xtask" --backups "$work/backups" adopt --apply "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  end=$(date +%s.%N)
  printf 'wall %.2f s | %s | %s\n' "$(echo "$end - $start" | bc)" \
    "$(grep '^took:' "$work/out" | sed 's/took: *//')" \
    "$(grep '^applied:' "$work/out" | sed 's/.* in /apply /')"
}

echo "Alembic fixture (bridge to the first version):"
for _ in $(seq "$runs"); do
  fresh "$db"
  psql -X -q -d "$server/$db$notls" -f "$fixture/referaidb.sql" >/dev/null
  adopt_once "$server/$db" --renames "$fixture/renames.sql" --allow-data-loss
done

echo "100,000 fake users, _sqlx_migrations dropped (baseline):"
fresh "${db}_big"
DB_URL="$server/${db}_big" "$xtask" migrate >/dev/null
DB_URL="$server/${db}_big" "$xtask" seed --fake 100000 --rng-seed 1 >/dev/null 2>&1
psql -X -At -d "$server/${db}_big$notls" -c "select 'database size: ' || pg_size_pretty(pg_database_size('${db}_big'))"
for _ in $(seq "$runs"); do
  psql -X -q -d "$server/${db}_big$notls" -c "DROP TABLE _sqlx_migrations"
  adopt_once "$server/${db}_big"
done
