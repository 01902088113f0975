#!/usr/bin/env bash
# Benchmark of autogenerate on a 1,000-table schema (each table: 6 columns, a primary key, an
# index and a foreign key; see tables() for the other kinds) on both sides, the declared side
# with 10 extra columns:
#   1. introspection of both databases plus the diff both ways, building them excluded
#      (the issue's target: under half a second);
#   2. the whole `check`: two scratch databases created, built, compared and dropped.
# The migrations side is 10 migrations of 100 tables: one migration of 1,000 tables, run in one
# transaction as sqlx runs every migration, exhausts PostgreSQL's lock table at default settings.
# Runs the dev profile, as `cargo xtask` does for every developer. Needs psql; uses throwaway
# databases.
# Usage: xtask/benches/autogenerate.sh [postgres://user@host:port]   (default: 127.0.0.1:5432, user postgres)
# BENCH_SKIP_CHECK=1 measures only the first part (the whole `check` takes a minute or more).
set -euo pipefail
server=${1:-postgres://postgres@127.0.0.1:5432}
# BENCH_PREFIX names the throwaway databases, so that two checkouts can run this at once.
prefix=${BENCH_PREFIX:-xtask_bench}
databases="${prefix}_migrated ${prefix}_declared"
source "$(dirname "$0")/common.sh"

# tables FIRST LAST [extra]: CREATE statements for tables tFIRST..tLAST; with `extra`, every
# hundredth table has one more column. Every tenth table also has a CHECK on a varchar
# (`IN (...)`, re-rendered to compare), a column of a domain and a comment on its index; every
# hundredth a materialized view with an index and a comment, a view that the declared side
# replaces in place (a column appended) and a view it renames (a `-- renamed from:` note).
tables() {
  for i in $(seq "$1" "$2"); do
    extra=""
    if [ "${3:-}" = extra ] && [ $((i % 100)) -eq 0 ]; then extra=", extra integer"; fi
    if [ $((i % 10)) -eq 0 ]; then extra="$extra, state varchar(10) CHECK (state IN ('new', 'done')), price money_amount"; fi
    printf 'CREATE TABLE t%d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, parent_id bigint REFERENCES t%d (id), name text NOT NULL, amount numeric(12,2), created_at timestamptz NOT NULL DEFAULT now(), note varchar(200)%s);\nCREATE INDEX t%d_parent_id_idx ON t%d (parent_id);\n' \
      "$i" $((i > 1 ? i - 1 : 1)) "$extra" "$i" "$i"
    if [ $((i % 10)) -eq 0 ]; then printf "COMMENT ON INDEX t%d_parent_id_idx IS 'by parent';\n" "$i"; fi
    if [ $((i % 100)) -eq 0 ]; then
      printf "CREATE MATERIALIZED VIEW m%d AS SELECT parent_id, count(*) AS n FROM t%d GROUP BY parent_id;\nCREATE UNIQUE INDEX m%d_parent_id_idx ON m%d (parent_id);\nCOMMENT ON MATERIALIZED VIEW m%d IS 'counts';\n" "$i" "$i" "$i" "$i" "$i"
      if [ "${3:-}" = extra ]; then
        printf "CREATE VIEW v%d AS SELECT id, name, note FROM t%d;\nCREATE VIEW w%d AS SELECT id FROM t%d; -- renamed from: old_w%d\n" "$i" "$i" "$i" "$i" "$i"
      else
        printf "CREATE VIEW v%d AS SELECT id, name FROM t%d;\nCREATE VIEW old_w%d AS SELECT id FROM t%d;\n" "$i" "$i" "$i" "$i"
      fi
    fi
  done
}
domain="CREATE DOMAIN money_amount AS numeric(12,2) CHECK (VALUE >= 0);"
mkdir -p "$work/project/migrations" "$work/project/backend"
for k in $(seq 1 10); do
  { if [ "$k" -eq 1 ]; then echo "$domain"; fi; tables $((k * 100 - 99)) $((k * 100)); } \
    > "$work/project/migrations/$(printf %02d "$k")_tables_$k.sql"
done
{ echo "$domain"; tables 1 1000 extra; } > "$work/project/backend/schema.sql"

for db in $databases; do fresh "$db"; done
cat "$work"/project/migrations/*.sql | psql -X -q -v ON_ERROR_STOP=1 -d "$server/${prefix}_migrated"
psql -X -q -v ON_ERROR_STOP=1 -d "$server/${prefix}_declared" -f "$work/project/backend/schema.sql"

echo "== 1,000 tables on each side"
BENCH_MIGRATED_URL="$server/${prefix}_migrated" BENCH_DECLARED_URL="$server/${prefix}_declared" \
  BENCH_SERVER_URL="$server/postgres" BENCH_PROJECT="$work/project" \
  cargo test --quiet --manifest-path "$root/Cargo.toml" -p xtask --test cli autogenerate::benchmark \
  -- --ignored --nocapture --test-threads 1 | grep -E '^(introspection|diff|check)'
