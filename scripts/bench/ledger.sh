#!/usr/bin/env bash
# The ledger benchmark: a 2,000,000-person city through the release binary, each step under
# /usr/bin/time (wall seconds, peak resident memory). Usage: scripts/bench/ledger.sh [DATA_DIR]
# Data (about 300 MB) is generated once into DATA_DIR (default .build/ledger-bench). FASTCERT_BIN=PATH
# measures that binary instead of this checkout's release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-.build/ledger-bench}
persons=${PERSONS:-2000000}
mkdir -p "$data"
if [ ! -f "$data/evidence-2.csv" ]; then
    python3 scripts/bench/ledger_data.py --persons "$persons" --evidence 1000000 --out "$data"
    python3 scripts/bench/ledger_data.py --persons "$persons" --evidence 1000000 --evidence-seed 2 --out "$data"
fi
# FASTCERT_BIN runs another build (a baseline beside this one); otherwise this checkout's release build.
bin=${FASTCERT_BIN:-}
[ -z "$bin" ] && swift build -c release --product fastcert >/dev/null && bin=.build/release/fastcert
db="$data/bench.sqlite"
rm -f "$db" "$db-wal" "$db-shm"
step() {  # step LABEL ROWS command...
    local label=$1 rows=$2; shift 2
    local timing; timing=$(mktemp)
    /usr/bin/time -o "$timing" -f "%e %M" "$@" >/dev/null 2>&1
    read -r seconds kb <"$timing"
    rm -f "$timing"
    local rate=""
    [ "$rows" -gt 0 ] && rate=$(python3 -c "print(f'{$rows/$seconds:,.0f} rows/s')")
    printf '| %s | %s s %s | %s MB |\n' "$label" "$seconds" "${rate:+($rate)}" "$((kb / 1024))"
}
echo "| step | time | peak memory |"
echo "|---|---|---|"
step "units import" 0 $bin units import "$data/units.csv" --database "$db"
# The departments' evidence arrives through a feed key of the city bound to every department (a
# keyless file takes reference kinds only: docs/ledger.md); an older binary ignores the variable.
departments=$(python3 -c "import json; print(','.join(sorted({k['source'] for k in json.load(open('Sources/Ledger/Resources/ledger-rules.json'))['kinds']} - {'fastcert'})))")
feed=$($bin keys create --role feed --unit 3702 --name "ledger bench feed" --sources "$departments" --database "$db" 2>/dev/null)
step "persons import ($persons rows, one transaction)" "$persons" $bin persons import "$data/persons.csv" --database "$db" --today 2025-12-31
cp "$db" "$data/persons-only.sqlite"
step "evidence import, first 1,000,000 rows (nobody certified yet)" 1000000 env FASTCERT_KEY="$feed" $bin evidence import "$data/evidence.csv" --database "$db"
step "evidence import, a second feed of 1,000,000 rows" 1000000 env FASTCERT_KEY="$feed" $bin evidence import "$data/evidence-2.csv" --database "$db"
step "evidence import, the second feed again (all already present)" 1000000 env FASTCERT_KEY="$feed" $bin evidence import "$data/evidence-2.csv" --database "$db"
step "ledger sweep --as-of 2026-03-01" 0 $bin ledger sweep --as-of 2026-03-01 --database "$db"
step "ledger sweep --as-of 2026-03-02 (the next day)" 0 $bin ledger sweep --as-of 2026-03-02 --database "$db"
# A run is dated today and at most a month late: last month's, then this month's.
last=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
this=$(date +%Y-%m)
step "payroll run --month $last (the first stored run: a line per person)" 0 $bin payroll run --month "$last" --database "$db"
step "payroll run --month $this (the next month, reading what each was paid)" 0 $bin payroll run --month "$this" --database "$db"
step "payroll export --month $this (CSV)" 0 $bin payroll export --month "$this" --database "$db"
mv "$data/persons-only.sqlite" "$db"
rm -f "$db-wal" "$db-shm"
# No sweep is dated after today (future_day): the worst case sweeps as of 2026-12-01, a day past.
step "worst case: ledger sweep --as-of 2026-12-01 with no evidence (most of the city lapses)" 0 $bin ledger sweep --as-of 2026-12-01 --database "$db"
