# Sourced by the benchmark scripts here: the dev-profile xtask (what `cargo xtask` runs for every
# developer), a work folder, and throwaway databases that are dropped on exit.
# Before sourcing, set `server` (postgres://user@host:port) and `databases` (their names).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cargo build --quiet -p xtask --manifest-path "$root/Cargo.toml"
xtask="$root/target/debug/xtask"
# psql without TLS too: the xtask skips TLS on loopback, so the comparisons are like with like.
notls="?sslmode=disable"
work=$(mktemp -d)
cleanup() {
  for db in $databases; do
    psql -X -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
# fresh NAME: an empty database NAME.
fresh() {
  psql -X -q -d "$server/postgres" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" 2>/dev/null
}
