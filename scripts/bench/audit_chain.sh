#!/usr/bin/env bash
# The audit chain's cost, back to back: the baseline release binary (main before the chain) and
# the chain's, alternating, on the 2,000,000 persons of scripts/bench/ledger.sh's data (DATA). Under the build lock.
# Usage: scripts/bench/audit_chain.sh BASE_BIN CHAIN_BIN ROUNDS
set -euo pipefail
base=$1; chain=$2; rounds=${3:-2}
data=${DATA:-.build/ledger-bench}; work=${WORK:-.build/audit-chain-bench}; mkdir -p "$work"
exec 9>/tmp/fastcert-build.lock; flock 9
step() {  # step NAME LABEL command...
    local name=$1 label=$2; shift 2
    local timing; timing=$(mktemp)
    /usr/bin/time -o "$timing" -f "%e %M" "$@" >"$work/out-$name.txt" 2>&1
    read -r seconds kb <"$timing"; rm -f "$timing"
    printf '| %s | %s | %s s | %s MB |\n' "$name" "$label" "$seconds" "$((kb / 1024))"
}
# No sweep or run is dated after today (issue 29): the worst case sweeps as of a day past, and
# the run is this month's, dated today.
month=$(date +%Y-%m)
for round in $(seq 1 "$rounds"); do
  for name in base chain; do
    bin=$base; [ "$name" = chain ] && bin=$chain
    db=$work/$name.sqlite; rm -f "$db" "$db-wal" "$db-shm" "$work/$name-po.sqlite"*
    $bin units import "$data/units.csv" --database "$db" >/dev/null
    step "$name" "persons import (2,000,000 rows, one transaction)" $bin persons import "$data/persons.csv" --database "$db" --today 2025-12-31
    cp "$db" "$work/$name-po.sqlite"
    step "$name" "worst case: ledger sweep --as-of 2026-12-01 (most of the city lapses)" $bin ledger sweep --as-of 2026-12-01 --database "$db"
    step "$name" "ledger sweep --as-of 2026-12-02 (the next day)" $bin ledger sweep --as-of 2026-12-02 --database "$db"
    step "$name" "payroll run --month $month (a line per person)" $bin payroll run --month "$month" --database "$work/$name-po.sqlite"
    rm -f "$db"* "$work/$name-po.sqlite"*
  done
done
echo done
