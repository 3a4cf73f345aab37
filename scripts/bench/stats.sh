#!/usr/bin/env bash
# The console overview benchmark (issue 27, hole 6): the `fastcert demo` city (3,000 persons, 15
# months) served by the release build. Prints how long the overview takes to show (the page's
# three requests: /v1/me, /v1/units, /v1/stats/series), cold (just after the demo) and warm, and a
# kiosk's person lookup (GET /v1/persons/{id}) alone and while eight overviews load in a loop
# (scripts/bench/stats_load.py). Usage: scripts/bench/stats.sh [SECONDS] [PERSONS]
# FASTCERT_BIN=PATH measures that binary instead of this checkout's release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
persons=${2:-3000}
bin=${FASTCERT_BIN:-}
[ -z "$bin" ] && flock /tmp/fastcert-build.lock swift build -c release --product fastcert >/dev/null && bin=$PWD/.build/release/fastcert
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
db=$work/demo.sqlite
port=${PORT:-18090}
start=$(date +%s.%N)
city_key=$($bin demo --database "$db" --persons "$persons" 2>"$work/demo.err")
echo "demo city of $persons persons built in $(python3 -c "print(f'{$(date +%s.%N) - $start:.0f}')") s"
kiosk_key=$(sed -n 's/^ *kiosk, [^:]*: *//p' "$work/demo.err")
person=$(python3 -c "
import sqlite3; db = sqlite3.connect('$db')
print(db.execute(\"SELECT id FROM person WHERE unit_code LIKE '370202%' AND status = 'active' LIMIT 1\").fetchone()[0])")
$bin serve --database "$db" --port "$port" --workers 2 --log-level warning 2>"$work/serve.log" &
server=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
python3 scripts/bench/stats_load.py --port "$port" --city-key "$city_key" --kiosk-key "$kiosk_key" --person "$person" --seconds "$seconds"
