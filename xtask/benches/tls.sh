#!/usr/bin/env bash
# What TLS costs per connection: `cargo xtask status` (one connection, one query on a migrated
# database) with sslmode=disable and sslmode=require against the same server, in the dev and the
# release build (the numbers in the closing note of the TLS issue). Needs hyperfine and a server
# with `ssl = on` (the test server has Debian's self-signed certificate); uses a throwaway database.
# Usage: xtask/benches/tls.sh [postgres://user@host:port]   (default: 127.0.0.1:5432, user postgres)
set -euo pipefail
server=${1:-postgres://postgres@127.0.0.1:5432}
bench_db=xtask_bench_tls
databases=$bench_db
source "$(dirname "$0")/common.sh"

fresh $bench_db
DB_URL="$server/$bench_db" "$xtask" migrate >/dev/null
cargo build --quiet --release -p xtask --manifest-path "$root/Cargo.toml"
for build in debug release; do
  echo "== $build build: status with TLS off and on"
  hyperfine -N --warmup 3 --runs 30 --export-json "$work/$build.json" --parameter-list mode disable,require \
    "env DB_URL=$server/$bench_db?sslmode={mode} $root/target/$build/xtask status"
done
