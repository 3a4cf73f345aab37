#!/usr/bin/env bash
# HTTP benchmark of the service's two real flows, each beside the engine alone in the same run
# (release build; wrk from Debian as the load generator, on the same two cores). Every connection
# is a device of its own (its own kiosk key): the service takes one attempt at a time from a device.
#  - attended desk (a match-only configuration, allowMatchOnly): POST /v1/verifications with one
#    photo (obama2.jpg), 1, 2 and 8 devices; the engine alone is `fastcert face bench` on it.
#  - kiosk (the default: liveness): each flow asks for a session, waits while the kiosk captures
#    (10 frames, 300 ms apart: 2.7 s), then sends 10 frames that perform the issued turns for a
#    person enrolled from the clip (scripts/bench/kiosk.lua). Every flow sends a capture of its own
#    (scripts/bench/kiosk_flows.py: other moments of the real head-turn clip, framed and exposed as
#    another sitting would be): the service refuses a capture it has seen as a replay. 1, 2 and 4
#    devices; the submission is timed (what the person waits for once the capture ends). The engine
#    alone is `fastcert liveness analyze` on one such capture (2 workers; two at once, 1 worker each).
# Fails (exit 1, with the answer) on any non-2xx answer, any socket error, and any kiosk flow that
# is not verified. GET /healthz with 64 connections too. Prints Markdown tables. PARTS="desk kiosk" chooses the parts.
# Usage: scripts/bench/http.sh [SECONDS] [CLIP_DIR]
#   (defaults: 15 s a step; ../shared/data/liveness-dev/zubair_real_webcam_headturn). The captures
#   are made with Pillow and numpy from the peer venv of run.sh (FASTCERT_PEER_VENV, default .build-peer-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seconds=${1:-15}
frames_dir=${2:-../shared/data/liveness-dev/zubair_real_webcam_headturn}
parts=${PARTS:-desk kiosk}
venv=${FASTCERT_PEER_VENV:-$root/.build-peer-venv}
source scripts/bench/peer_venv.sh
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
# FASTCERT_BIN runs another build (a baseline beside this one); otherwise this checkout's release build.
bin=${FASTCERT_BIN:-}
[ -z "$bin" ] && swift build -c release --product fastcert >/dev/null && bin=$PWD/.build/release/fastcert
photo=$PWD/Tests/Fixtures/images/obama2.jpg
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
db=$work/bench.sqlite
person=370202194003150019
# A second person for the kiosk flow, enrolled from the clip (the check digit computed, GB 11643).
clip_person=$(python3 -c "
b = '37020219450101002'
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
print(b + '10X98765432'[sum(int(c) * x for c, x in zip(b, w)) % 11])")
port=18080
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
$clip_person,Zhao Lei,1945-01-01,370202001001,2,2800,,,0,0
CSV
$bin units import "$work/units.csv" --database "$db" >/dev/null
$bin persons import "$work/persons.csv" --database "$db" >/dev/null
# One kiosk key a device (a connection), and new devices every step: when wrk stops a step, the
# service is still deciding the request it left in flight, and the device's next attempt would be
# refused as busy (429 device_busy) until that one is decided.
desk_devices=${CONCURRENCY:-1 2 8}
kiosk_devices=${KIOSK_CONCURRENCY:-1 2 4}
total=$(( $(tr ' ' '+' <<<"$desk_devices $kiosk_devices") ))
all_keys=($(for i in $(seq "$total"); do $bin keys create --role kiosk --unit 3702 --name "bench-device-$i" --database "$db" 2>/dev/null; done))
[ "${#all_keys[@]}" = "$total" ] || { echo "FAIL: created ${#all_keys[@]} of $total kiosk keys" >&2; exit 1; }
next_key=0
take_keys() {  # $1 devices: that many keys never used before, comma-separated, in $keys
    keys=$(IFS=,; echo "${all_keys[*]:$next_key:$1}")
    next_key=$(( next_key + $1 ))
}

# The kiosk's captures: 10 frames 300 ms apart, each flow its own (see kiosk_flows.py); enough for
# every step (a device sends one every 2.7 s + the answer), never one twice.
stamps=$(seq 0 300 2700 | paste -sd,)
per_device=$(( seconds * 1000 / 2700 + 2 ))
flow_count=0
for c in $kiosk_devices; do flow_count=$(( flow_count + c * per_device )); done
if [[ " $parts " == *" kiosk "* ]]; then
    "$venv/bin/python" scripts/bench/kiosk_flows.py "$frames_dir" "$work/flows" "$flow_count"
fi

start_server() {  # $1: extra configuration JSON
    echo "$1" > "$work/serve.json"
    $bin serve --config "$work/serve.json" --database "$db" --port $port --workers 2 --log-level warning 2>"$work/serve.log" &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
}
stop_server() { kill $server; wait $server 2>/dev/null || true; server=; }
fail() {  # what went wrong: loud, and the run's exit status
    echo "FAIL: $*" >&2
    exit 1
}
row() {  # label, wrk output; fails on any non-2xx answer or socket error
    local errors; errors=$(awk '/Non-2xx/ {print $NF}' <<<"$2")
    grep -q 'Socket errors' <<<"$2" && fail "$1: $(grep 'Socket errors' <<<"$2")"
    [ "${errors:-0}" = 0 ] || fail "$1: ${errors} answers were not 2xx: $(grep -h '^VERIFY' <<<"$2")"
    echo "| $1 | $(awk '/Requests\/sec/ {print $2}' <<<"$2") | $(awk '$1 == "50%" {print $2}' <<<"$2") | $(awk '$1 == "99%" {print $2}' <<<"$2") | ${errors:-0} |"
}

# Enrollment through the CLI on the same file (the service is not running yet).
$bin enroll --consent-by person $person Tests/Fixtures/images/obama.jpg --database "$db" >/dev/null
$bin enroll --consent-by person $clip_person "$(ls "$frames_dir"/*.jpg | sort | head -1)" --database "$db" >/dev/null

if [[ " $parts " == *" desk "* ]]; then
echo "Attended desk (allowMatchOnly): one photo a verification"
echo
echo "| load (devices, one key each) | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
start_server '{"allowMatchOnly": true}'
# First, while no connection of an earlier step is open: wrk leaves a request in flight when it
# stops, and its connection counts against the address's share (maxConnectionsPerAddress, 64)
# until it is answered; 64 more at once would find the share full and be closed.
out=$(wrk -t2 -c64 -d${seconds}s --latency "http://127.0.0.1:$port/healthz")
row "GET /healthz, 64 connections" "$out"
for c in $desk_devices; do
    take_keys "$c"
    out=$(FASTCERT_KEYS=$keys FASTCERT_PERSON=$person FASTCERT_PHOTO=$photo \
        wrk -t$c -c$c -d${seconds}s --latency -s scripts/bench/verify.lua "http://127.0.0.1:$port/v1/verifications")
    row "POST /v1/verifications, $c devices" "$out"
done
stop_server
for c in 1 2 8; do
    echo "| engine alone (fastcert face bench), $c in flight | $($bin face bench "$photo" --seconds "$seconds" --workers 2 --concurrency $c) | | | |"
done
fi
[[ " $parts " == *" kiosk "* ]] || exit 0

echo
echo "Kiosk (liveness, the default): a session, 2.7 s of capture, 10 frames of a capture never sent before; the submission timed"
echo
echo "| load | flows/min | submission p50 | p90 | max | liveness passed, verified |"
echo "|---|---|---|---|---|---|"
start_server '{}'
first=0
for c in $kiosk_devices; do
    take_keys "$c"
    out=$(FASTCERT_KEYS=$keys FASTCERT_PERSON=$clip_person FASTCERT_FLOWS=$work/flows FASTCERT_FLOW_FIRST=$first \
        FASTCERT_FLOW_COUNT=$(( c * per_device )) FASTCERT_THREADS=$c FASTCERT_STAMPS=$stamps \
        wrk -t$c -c$c -d${seconds}s --timeout 30s -s scripts/bench/kiosk.lua "http://127.0.0.1:$port/")
    first=$(( first + c * per_device ))
    line=$(grep '^KIOSK ' <<<"$out") || fail "kiosk, $c devices: no summary from wrk: $out"
    field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$line"; }
    grep -q 'Socket errors' <<<"$out" && fail "kiosk, $c devices: $(grep 'Socket errors' <<<"$out")"
    [ "$(field failures)" = 0 ] || fail "kiosk, $c devices: $(field failures) flows failed: $(grep '^KIOSK_FAILURE' <<<"$out")"
    [ "$(field exhausted)" = 0 ] || fail "kiosk, $c devices: ran out of captures (raise per_device in http.sh)"
    [ "$(field verifications)" -gt 0 ] || fail "kiosk, $c devices: no flow completed in ${seconds} s"
    [ "$(field verified)" = "$(field verifications)" ] || fail "kiosk, $c devices: $(field verified) of $(field verifications) verified"
    echo "| HTTP, $c devices | $(field per_minute) | $(field p50_ms) ms | $(field p90_ms) ms | $(field max_ms) ms | $(field live), $(field verified) of $(field verifications) |"
done
stop_server
ms() {  # one session's analysis time with $1 workers, median of 5
    for _ in 1 2 3 4 5; do
        $bin liveness analyze "$work/flows/engine" --challenges turn_right,turn_left --max-frames 30 --interval-ms 300 --workers "$1" 2>&1 |
            sed -nE 's/^verdict: ([a-z]+) \(([0-9]+) ms\).*/\2 \1/p'
    done | sort -n | sed -n 3p
}
one=$(ms 2)
[ "${one#* }" = live ] || fail "the engine alone judged the capture ${one#* }"
echo "| engine alone (fastcert liveness analyze), one session at a time (2 workers) | | ${one% *} ms | | | ${one#* } |"
a=$(mktemp) b=$(mktemp)
(ms 1 >"$a") & (ms 1 >"$b") & wait
echo "| engine alone, two sessions at once (1 worker each) | | $(cut -d' ' -f1 "$a") / $(cut -d' ' -f1 "$b") ms | | | $(cut -d' ' -f2 "$a") |"
rm -f "$a" "$b"
