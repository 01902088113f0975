#!/usr/bin/env bash
# Benchmarks of `cargo xtask migrate` against psql on the same server (the numbers in the
# closing note of the migration-engine issue). Needs hyperfine and psql; uses throwaway databases.
#   1. a no-op `migrate` on an up-to-date database   vs  psql -c 'select 1'
#   2. 200 small migrations applied to an empty database  vs  psql -f of the same SQL (medians of
#      RUNS interleaved rounds, default 7)
#   3. what sqlx's bookkeeping costs: 200 `SELECT 1` migrations  vs  psql -f of the 200 statements,
#      and of the same statements inside sqlx's BEGIN, INSERT, COMMIT and UPDATE around each
# Usage: xtask/benches/migrate.sh [postgres://user@host:port]   (default: 127.0.0.1:5432, user postgres)
set -euo pipefail
server=${1:-postgres://postgres@127.0.0.1:5432}
bench_db=xtask_bench_noop
databases="$bench_db xtask_bench_200"
source "$(dirname "$0")/common.sh"

echo "== no-op migrate vs psql -c 'select 1'"
fresh $bench_db
DB_URL="$server/$bench_db" "$xtask" migrate >/dev/null
DB_URL="$server/$bench_db" hyperfine -N --warmup 5 --runs 100 --export-json "$work/noop.json" \
  "$xtask migrate" "psql -X -q -d $server/$bench_db$notls -c 'select 1'"

echo "== 200 small migrations from empty vs psql -f"
mkdir "$work/migrations"
for i in $(seq 1 200); do
  printf 'CREATE TABLE t%d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX t%d_name_idx ON t%d (name);\n' \
    "$i" "$i" "$i" > "$work/migrations/$(printf '%04d' "$i")_table_$i.up.sql"
  printf 'DROP TABLE t%d;\n' "$i" > "$work/migrations/$(printf '%04d' "$i")_table_$i.down.sql"
done
cat "$work"/migrations/*.up.sql > "$work/all.sql"
reset="psql -X -q -d $server/postgres -c 'DROP DATABASE IF EXISTS xtask_bench_200' -c 'CREATE DATABASE xtask_bench_200'"
# Interleaved rounds (the issue's median of 7): each round runs all three, one after another, so a
# checkpoint or a busy neighbour slows them alike.
interleaved "${RUNS:-7}" "$reset" \
  "migrate=DB_URL=$server/xtask_bench_200 $xtask --source $work/migrations migrate" \
  "psql-f=psql -X -q -v ON_ERROR_STOP=1 -d $server/xtask_bench_200$notls -f $work/all.sql" \
  "psql-1-f=psql -X -q -v ON_ERROR_STOP=1 -d $server/xtask_bench_200$notls -1 -f $work/all.sql"
ratio migrate psql-f

echo "== what sqlx's bookkeeping costs: 200 one-statement migrations vs psql -f of the same"
echo "   statements, and of the same statements inside the bookkeeping sqlx sends around each one"
mkdir "$work/selects"
# The table sqlx makes, and the session the xtask applies migrations in.
printf '%s\n' 'SET synchronous_commit = off;' \
  'CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY, description text NOT NULL,' \
  '  installed_on timestamptz NOT NULL DEFAULT now(), success boolean NOT NULL,' \
  '  checksum bytea NOT NULL, execution_time bigint NOT NULL);' > "$work/bookkept.sql"
for i in $(seq 1 200); do
  echo 'SELECT 1;' > "$work/selects/$(printf '%04d' "$i")_select_$i.up.sql"
  printf 'BEGIN;\nSELECT 1;\nINSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (%d, %s, TRUE, %s, -1);\nCOMMIT;\nUPDATE _sqlx_migrations SET execution_time = 1 WHERE version = %d;\n' \
    "$i" "'select'" "'\\x00'" "$i" >> "$work/bookkept.sql"
done
cat "$work"/selects/*.up.sql > "$work/selects.sql"
interleaved "${RUNS:-7}" "$reset" \
  "migrate=DB_URL=$server/xtask_bench_200 $xtask --source $work/selects migrate" \
  "psql-f=psql -X -q -v ON_ERROR_STOP=1 -d $server/xtask_bench_200$notls -f $work/selects.sql" \
  "psql-bookkept=psql -X -q -v ON_ERROR_STOP=1 -d $server/xtask_bench_200$notls -f $work/bookkept.sql"
ratio migrate psql-bookkept
ratio migrate psql-f
