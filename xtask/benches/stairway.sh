#!/usr/bin/env bash
# Benchmark of the stairway check that `check` runs (each migration up, down, compared, up again,
# compared, on one scratch database) against building the same scratch database with `migrate`
# alone: for the repository's migrations, then for 200 generated migrations (a table, a foreign
# key and an index each). Runs the dev profile, as `cargo xtask` does for every developer.
# Usage: xtask/benches/stairway.sh [postgres://user@host:port]   (default: 127.0.0.1:5432, user postgres)
set -euo pipefail
server=${1:-postgres://postgres@127.0.0.1:5432}
root=$(cd "$(dirname "$0")/../.." && pwd)
TEST_DB_URL="$server/postgres" cargo test --quiet --manifest-path "$root/Cargo.toml" -p xtask --test cli \
  stairway::benchmark -- --ignored --nocapture --test-threads 1 | grep -E 'median'
