#!/usr/bin/env bash
# The payroll CSV over HTTP: a 2,000,000-line stored run downloaded with curl from `fastcert serve`
# (release build), the service's resident memory read from /proc before and after (VmRSS, and the
# peak VmHWM). Usage: scripts/bench/payroll_export.sh [DATA_DIR]
# DATA_DIR (default .build/ledger-bench) holds ledger.sh's generated persons.csv and units.csv
# (generated here when absent) and this script's database, payroll-export.sqlite: the units, the
# persons and a stored run of the month it was built in, built once and reused. FASTCERT_BIN=PATH measures that
# binary instead of this checkout's release build (the same database serves both).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:-.build/ledger-bench}
persons=${PERSONS:-2000000}
port=${PORT:-18090}
bin=${FASTCERT_BIN:-}
[ -z "$bin" ] && swift build -c release --product fastcert >/dev/null && bin=.build/release/fastcert
mkdir -p "$data"
db="$data/payroll-export.sqlite"
# The stored run's month: read from the database once built (a run is dated the day it is made).
month=$(sqlite3 "$db" "SELECT month FROM payroll_run LIMIT 1" 2>/dev/null || true)
[ -n "$month" ] || month=$(date +%Y-%m)
if [ ! -f "$db" ]; then
    [ -f "$data/persons.csv" ] || python3 scripts/bench/ledger_data.py --persons "$persons" --evidence 0 --out "$data"
    $bin units import "$data/units.csv" --database "$db.new" >/dev/null
    $bin persons import "$data/persons.csv" --database "$db.new" --today 2025-12-31 >/dev/null
    $bin payroll run --month "$month" --database "$db.new" >/dev/null
    mv "$db.new" "$db"
    rm -f "$db.new-wal" "$db.new-shm"
fi
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
key=$($bin keys create --role auditor --unit 3702 --name "payroll export bench $$" --database "$db" 2>/dev/null)
# A long deadline: a build that assembles the whole file first answers only when it is done (at
# the default 30 s it is a 503 timeout on this machine); a streaming one starts at once.
# REQUEST_TIMEOUT=5 shows the deadline bounds the answer's start, not the stream's length.
echo "{\"requestTimeoutSeconds\": ${REQUEST_TIMEOUT:-900}}" >"$work/serve.json"
$bin serve --config "$work/serve.json" --database "$db" --port "$port" --workers 1 --log-level warning 2>"$work/serve.log" &
server=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
mb() { awk -v f="$1" '$1 == f":" {print int($2 / 1024)}' "/proc/$server/status"; }
rss_before=$(mb VmRSS)
hwm_before=$(mb VmHWM)
# VmHWM keeps the start's peak (the face models loading), so the download's own peak is sampled.
# RssAnon is the process's own memory; RssFile the database file mapped by SQLite (mmap_size,
# 256 MB a connection, AppDatabase), given back to the kernel under pressure.
anon_before=$(mb RssAnon)
( peak=0; anon=0; file=0; while kill -0 $server 2>/dev/null && [ ! -f "$work/done" ]; do
      now=$(mb VmRSS); [ "$now" -gt "$peak" ] && peak=$now
      now=$(mb RssAnon); [ "$now" -gt "$anon" ] && anon=$now
      now=$(mb RssFile); [ "$now" -gt "$file" ] && file=$now
      sleep 0.05; done; echo "$peak $anon $file" >"$work/peak" ) &
sampler=$!
read -r code bytes seconds < <(curl -sS -o "$work/payroll.csv" -w '%{http_code} %{size_download} %{time_total}\n' \
    -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/payroll?month=$month&format=csv")
touch "$work/done"
wait $sampler
rss_after=$(mb VmRSS)
hwm_after=$(mb VmHWM)
read -r peak anon file <"$work/peak"
[ "$code" = 200 ] || { echo "FAIL: HTTP $code: $(head -c 300 "$work/payroll.csv")" >&2; exit 1; }
lines=$(($(wc -l <"$work/payroll.csv") - 1))
echo "| binary | lines | MB | seconds | RSS before | RSS peak during | RSS after | VmHWM before / after | growth (peak - before) | RssAnon before / peak | RssFile peak |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
echo "| $bin | $lines | $((bytes / 1000000)) | $seconds | $rss_before MB | $peak MB | $rss_after MB | $hwm_before / $hwm_after MB | $((peak - rss_before)) MB | $anon_before / $anon MB | $file MB |"
