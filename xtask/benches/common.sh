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
# interleaved RUNS PREPARE NAME=COMMAND...: RUNS rounds, each running every COMMAND once (PREPARE
# before each), so that a machine busy with other work slows them all alike rather than one
# whole series; prints each one's times and median, and keeps them in `runs[NAME]` and
# `median[NAME]`.
declare -A median runs
interleaved() {
  local rounds=$1 prepare=$2 round spec name start
  shift 2
  local -A times
  for round in $(seq "$rounds"); do
    for spec in "$@"; do
      name=${spec%%=*}
      eval "$prepare" >/dev/null 2>&1 || { echo "failed: $prepare" >&2; exit 1; }
      start=$(date +%s.%N)
      eval "${spec#*=}" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }
      times[$name]+="$(echo "$(date +%s.%N) - $start" | bc) "
    done
  done
  for spec in "$@"; do
    name=${spec%%=*}
    runs[$name]=${times[$name]}
    median[$name]=$(printf '%s\n' ${times[$name]} | median_of)
    printf '%-14s median %6.2f s   runs: %s\n' "$name" "${median[$name]}" "${times[$name]}"
    printf '    %s\n' "${spec#*=}"
  done
}
# median_of: the median of the numbers on stdin, one per line.
median_of() {
  sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}
# ratio NAME BASELINE: the medians' ratio, and the median of the rounds' own ratios (each round
# runs both within seconds, so a machine that slows down for a while moves both sides alike).
ratio() {
  local paired
  paired=$(paste -d' ' <(printf '%s\n' ${runs[$1]}) <(printf '%s\n' ${runs[$2]}) | awk '{ print $1 / $2 }' | median_of)
  printf 'ratio %s / %s: %.2f (medians); %.2f (median of the rounds'"'"' ratios)\n' "$1" "$2" \
    "$(echo "${median[$1]} / ${median[$2]}" | bc -l)" "$paired"
}
