#!/usr/bin/env bash
# HTTP benchmark: POST /v1/verifications with a fixture photo at concurrency 1, 2 and 8 (wrk from
# Debian as the load generator), beside the engine's own throughput on the same photo in the same
# run (`fastcert face bench`), and GET /healthz. Release build; prints a Markdown table.
# Usage: scripts/bench/http.sh [SECONDS]   (default 15 s a step)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
swift build -c release --product fastcert >/dev/null
bin=$PWD/.build/release/fastcert
photo=$PWD/Tests/Fixtures/images/obama2.jpg
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
db=$work/bench.sqlite
person=370202194003150019
cat > "$work/units.csv" <<CSV
code,name,level,parent_code
3702,Qingdao,city,
370202,Shinan,district,3702
370202001,Badaguan Street,street,370202
370202001001,Taiping Community,community,370202001
CSV
cat > "$work/persons.csv" <<CSV
resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile
$person,Wang Fang,1940-03-15,370202001001,3,3200.50,13800000000,wf1940,1,0
CSV
$bin units import "$work/units.csv" --database "$db" >/dev/null
$bin persons import "$work/persons.csv" --database "$db" >/dev/null
operator=$($bin keys create --role operator --unit 3702 --name bench-operator --database "$db" 2>/dev/null)
kiosk=$($bin keys create --role kiosk --unit 3702 --name bench-kiosk --database "$db" 2>/dev/null)
port=18080
$bin serve --database "$db" --port $port --workers 2 --log-level warning 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
curl -sf -X POST "http://127.0.0.1:$port/v1/persons/$person/enrollments" -H "Authorization: Bearer $operator" \
    -F photo=@Tests/Fixtures/images/obama.jpg >/dev/null

echo "| load | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
for c in ${CONCURRENCY:-1 2 8}; do
    [ -n "${PROFILE:-}" ] && perf record -g -o "$PROFILE" -p $server -- sleep $((seconds - 2)) >/dev/null 2>&1 &
    out=$(FASTCERT_KEY=$kiosk FASTCERT_PERSON=$person FASTCERT_PHOTO=$photo \
        wrk -t1 -c$c -d${seconds}s --latency -s scripts/bench/verify.lua "http://127.0.0.1:$port/v1/verifications")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    echo "| POST /v1/verifications, concurrency $c | $rps | $p50 | $p99 | ${errors:-0} |"
done
out=$(wrk -t2 -c64 -d${seconds}s --latency "http://127.0.0.1:$port/healthz")
echo "| GET /healthz, 64 connections | $(awk '/Requests\/sec/ {print $2}' <<<"$out") | $(awk '$1 == "50%" {print $2}' <<<"$out") | $(awk '$1 == "99%" {print $2}' <<<"$out") | |"
kill $server; wait $server 2>/dev/null || true
for c in 1 2 8; do
    echo "| engine alone (fastcert face bench), $c in flight | $($bin face bench "$photo" --seconds "$seconds" --workers 2 --concurrency $c) | | | |"
done
