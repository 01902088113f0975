#!/usr/bin/env bash
# Benchmark of `cargo xtask seed --fake N` against psql's \copy loading the same rows from CSV
# (the numbers in the seed issue's closing note), timed in interleaved rounds (RUNS, default 5) on
# freshly migrated databases, medians compared. Needs psql and bc; uses throwaway databases.
# Usage: [RUNS=5] xtask/benches/seed.sh [N] [postgres://user@host:port]   (default 100000, 127.0.0.1:5432)
set -euo pipefail
count=${1:-100000}
server=${2:-postgres://postgres@127.0.0.1:5432}
databases="xtask_bench_seed xtask_bench_copy"
source "$(dirname "$0")/common.sh"
tables="user_account action clip prediction"
mkdir "$work/no_fixtures"

# The rows to \copy: what the seed writes, exported once.
fresh xtask_bench_seed
DB_URL="$server/xtask_bench_seed" "$xtask" migrate >/dev/null
DB_URL="$server/xtask_bench_seed" "$xtask" seed --data "$work/no_fixtures" --fake "$count" --rng-seed 1 >/dev/null
for table in $tables; do
  psql -X -q -d "$server/xtask_bench_seed$notls" -c "\\copy $table to '$work/$table.csv' with (format csv)"
done
rows=$(psql -X -At -d "$server/xtask_bench_seed$notls" -c \
  "select (select count(*) from user_account) + (select count(*) from action) + (select count(*) from clip) + (select count(*) from prediction)")
printf 'rows: %s (%s fake users)\n' "$rows" "$count"

runs=${RUNS:-5}
copies=""
for table in $tables; do copies="$copies -c \"\\\\copy $table from '$work/$table.csv' with (format csv)\""; done
migrated="for db in $databases; do psql -X -q -d $server/postgres -c \"DROP DATABASE IF EXISTS \$db WITH (FORCE)\" -c \"CREATE DATABASE \$db\" && DB_URL=$server/\$db $xtask migrate; done"
interleaved "$runs" "$migrated" \
  "seed=DB_URL=$server/xtask_bench_seed $xtask seed --data $work/no_fixtures --fake $count --rng-seed 1" \
  "psql-copy=psql -X -q -v ON_ERROR_STOP=1 -d $server/xtask_bench_copy$notls -1 $copies"
printf 'rows/s: seed %.0f, psql \\copy %.0f\n' "$(echo "$rows / ${median[seed]}" | bc -l)" \
  "$(echo "$rows / ${median[psql-copy]}" | bc -l)"
ratio seed psql-copy
