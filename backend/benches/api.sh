#!/usr/bin/env bash
# Load test of the HTTP API (the numbers in the API issue's closing note): POST /auth/login and
# GET /actions/last as the seeded admin, each for a bounded time against 127.0.0.1 only, then the
# server's resident memory. Builds the release binary; uses a throwaway database it drops after.
# Needs wrk (apt-get install wrk), psql and openssl.
# Usage: backend/benches/api.sh [SECONDS] [CONNECTIONS] [postgres://user@host:port]
#        (default 10 s, 16 connections, 127.0.0.1:5432)
set -euo pipefail
seconds=${1:-10}
connections=${2:-16}
server=${3:-postgres://postgres@127.0.0.1:5432}
root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
db=backend_bench_api
port=8199

cargo build --quiet --release -p backend --manifest-path "$root/Cargo.toml"
cargo build --quiet -p xtask --manifest-path "$root/Cargo.toml"
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  psql -X -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A fresh database with the fixtures, as `cargo xtask db-setup` makes referaidb.
psql -X -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null
DB_URL="$server/$db" "$target/debug/xtask" db-setup >/dev/null

# The server, from a folder without .env: everything comes from the environment.
(cd "$work" && exec env DB_URL="$server/$db" BIND_ADDR="127.0.0.1:$port" JWT_SECRET="$(openssl rand -hex 32)" \
  "$target/release/backend" >"$work/server.log" 2>&1) &
pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
rss() { awk -v k="$1" '$1 == k":" { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status"; }
echo "server: idle RSS $(rss VmRSS)"

token=$(curl -sf "http://127.0.0.1:$port/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"admin@admin.com","password":"admin@admin.com"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')

echo "== POST /auth/login (argon2id per request), ${seconds} s, $connections connections"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$root/backend/benches/login.lua" \
  "http://127.0.0.1:$port/auth/login"
echo "server: RSS $(rss VmRSS), peak $(rss VmHWM)"

echo "== GET /actions/last, ${seconds} s, $connections connections"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/actions/last"
echo "server: RSS $(rss VmRSS), peak $(rss VmHWM)"
