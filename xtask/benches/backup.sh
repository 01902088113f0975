#!/usr/bin/env bash
# Benchmark of `cargo xtask backup` / `restore` against plain pg_dump / pg_restore on a database
# of 100,000 fake users (~270 MB, mostly clip bytea): each pair timed in interleaved rounds (RUNS,
# default 5), medians compared. Needs PostgreSQL's client programs and bc; uses throwaway
# databases and a temporary folder.
# Usage: [RUNS=5] xtask/benches/backup.sh [postgres://user@host:port]   (default 127.0.0.1:5432, user postgres)
set -euo pipefail
server=${1:-postgres://postgres@127.0.0.1:5432}
db=xtask_bench_backup
databases="$db ${db}_copy ${db}_restored"
source "$(dirname "$0")/common.sh"
export DB_URL="$server/$db"
fresh "$db"
"$xtask" migrate >/dev/null
"$xtask" seed --fake 100000 --rng-seed 1 >/dev/null 2>&1
psql -X -At -d "$server/$db" -c "select 'database size: ' || pg_size_pretty(pg_database_size('$db'))"

export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=$db
runs=${RUNS:-5}
echo "== backup: $runs interleaved rounds"
interleaved "$runs" "rm -rf $work/out*" \
  "custom=$xtask --backups $work/out1 backup" \
  "pg_dump-Fc=pg_dump -Fc --no-owner --no-privileges -f $work/out3.dump" \
  "directory-j2=$xtask --backups $work/out2 backup --format directory --jobs 2" \
  "pg_dump-Fd-j2=pg_dump -Fd -j 2 --no-owner --no-privileges -f $work/out4.dir"
ratio custom pg_dump-Fc
ratio directory-j2 pg_dump-Fd-j2

"$xtask" backup --output "$work/b.dump" >/dev/null
"$xtask" backup --format directory --jobs 2 --output "$work/b.dir" >/dev/null
echo "== restore: $runs interleaved rounds"
drop="psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS ${db}_restored WITH (FORCE)' -c 'DROP DATABASE IF EXISTS ${db}_copy WITH (FORCE)'"
interleaved "$runs" "$drop" \
  "restore=$xtask restore $work/b.dump --into ${db}_restored" \
  "pg_restore=psql -X -q -d postgres -c 'CREATE DATABASE ${db}_copy' && pg_restore --no-owner --single-transaction -d ${db}_copy $work/b.dump" \
  "restore-j2=$xtask restore $work/b.dir --jobs 2 --into ${db}_restored"
ratio restore pg_restore
