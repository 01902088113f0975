#!/usr/bin/env bash
# Benchmark of `cargo xtask seed --fake N` against psql's \copy loading the same rows from CSV
# (the numbers in the seed issue's closing note). Needs psql; uses throwaway databases.
# Usage: xtask/benches/seed.sh [N] [postgres://user@host:port]   (default 100000, 127.0.0.1:5432)
set -euo pipefail
count=${1:-100000}
server=${2:-postgres://postgres@127.0.0.1:5432}
databases="xtask_bench_seed xtask_bench_copy"
source "$(dirname "$0")/common.sh"
tables="user_account action clip prediction"

for db in $databases; do
  fresh "$db"
  DB_URL="$server/$db" "$xtask" migrate >/dev/null
done

start=$(date +%s.%N)
DB_URL="$server/xtask_bench_seed" "$xtask" seed --data "$work" --fake "$count" --rng-seed 1 >/dev/null
seed_s=$(echo "$(date +%s.%N) - $start" | bc)

for table in $tables; do
  psql -X -q -d "$server/xtask_bench_seed$notls" -c "\\copy $table to '$work/$table.csv' with (format csv)"
done
rows=$(psql -X -At -d "$server/xtask_bench_seed$notls" -c \
  "select (select count(*) from user_account) + (select count(*) from action) + (select count(*) from clip) + (select count(*) from prediction)")

start=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -d "$server/xtask_bench_copy$notls" -1 \
  -c "\\copy user_account from '$work/user_account.csv' with (format csv)" \
  -c "\\copy action from '$work/action.csv' with (format csv)" \
  -c "\\copy clip from '$work/clip.csv' with (format csv)" \
  -c "\\copy prediction from '$work/prediction.csv' with (format csv)"
copy_s=$(echo "$(date +%s.%N) - $start" | bc)

printf 'rows: %s (%s fake users)\n' "$rows" "$count"
printf 'cargo xtask seed --fake %s: %.2f s, %.0f rows/s\n' "$count" "$seed_s" "$(echo "$rows / $seed_s" | bc -l)"
printf 'psql \\copy from CSV:          %.2f s, %.0f rows/s\n' "$copy_s" "$(echo "$rows / $copy_s" | bc -l)"
printf 'ratio (seed / copy):          %.2f\n' "$(echo "$seed_s / $copy_s" | bc -l)"
