#!/usr/bin/env bash
# HTTP benchmark of the service's two real flows, each beside the engine alone in the same run
# (release build; wrk from Debian as the load generator, on the same two cores):
#  - attended desk (a match-only configuration, allowMatchOnly): POST /v1/verifications with one
#    photo (obama2.jpg), concurrency 1, 2 and 8; the engine alone is `fastcert face bench` on it.
#  - kiosk (the default: liveness): a real head-turn clip sampled to 10 frames (it turns right
#    once), then the same frames mirrored (a left turn): 20 frames that perform "turn right, turn
#    left", a sequence sessions issue (1 in 8). Each connection asks for sessions until one's
#    challenges are those, then sends the frames (scripts/bench/kiosk.lua) for a second person
#    enrolled from the clip's first frame; concurrency 1 and 2. The engine alone is `fastcert
#    liveness analyze` on the same frames (one session with 2 workers; two at once, 1 worker each).
# Then GET /healthz. Prints Markdown tables. PARTS="desk kiosk" chooses the parts.
# Usage: scripts/bench/http.sh [SECONDS] [CLIP_DIR]
#   (defaults: 15 s a step; ../shared/data/liveness-dev/zubair_real_webcam_headturn). Mirroring
#   uses Pillow from the peer venv of run.sh (FASTCERT_PEER_VENV, default .build-peer-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seconds=${1:-15}
frames_dir=${2:-../shared/data/liveness-dev/zubair_real_webcam_headturn}
challenges=turn_right,turn_left
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
kiosk=$($bin keys create --role kiosk --unit 3702 --name bench-kiosk --database "$db" 2>/dev/null)

# The frames the kiosk sends: every 7th of the clip (10 of 66, as `fastcert liveness analyze
# --max-frames 10` samples them), then the same mirrored; 700 ms apart.
mapfile -t all < <(ls "$frames_dir" | grep -iE '\.(jpg|png)$' | sort)
step=$(( (${#all[@]} + 9) / 10 ))
sampled=()
for ((i = 0; i < ${#all[@]}; i += step)); do sampled+=("$frames_dir/${all[$i]}"); done
"$venv/bin/python" scripts/bench/mirror_frames.py "$work/frames" "${sampled[@]}"
frames=() stamps=()
for f in "$work"/frames/*.jpg; do frames+=("$f"); stamps+=($(( ${#stamps[@]} * 700 ))); done
frame_list=$(IFS=:; echo "${frames[*]}")
stamp_list=$(IFS=,; echo "${stamps[*]}")

start_server() {  # $1: extra configuration JSON
    echo "$1" > "$work/serve.json"
    $bin serve --config "$work/serve.json" --database "$db" --port $port --workers 2 --log-level warning 2>"$work/serve.log" &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
}
stop_server() { kill $server; wait $server 2>/dev/null || true; server=; }
row() {  # label, wrk output
    local errors; errors=$(awk '/Non-2xx/ {print $NF}' <<<"$2")
    echo "| $1 | $(awk '/Requests\/sec/ {print $2}' <<<"$2") | $(awk '$1 == "50%" {print $2}' <<<"$2") | $(awk '$1 == "99%" {print $2}' <<<"$2") | ${errors:-0} |"
}

# Enrollment through the CLI on the same file (the service is not running yet).
$bin enroll $person Tests/Fixtures/images/obama.jpg --database "$db" >/dev/null
$bin enroll $clip_person "${sampled[0]}" --database "$db" >/dev/null

if [[ " $parts " == *" desk "* ]]; then
echo "Attended desk (allowMatchOnly): one photo a verification"
echo
echo "| load | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
start_server '{"allowMatchOnly": true}'
for c in ${CONCURRENCY:-1 2 8}; do
    out=$(FASTCERT_KEY=$kiosk FASTCERT_PERSON=$person FASTCERT_PHOTO=$photo \
        wrk -t1 -c$c -d${seconds}s --latency -s scripts/bench/verify.lua "http://127.0.0.1:$port/v1/verifications")
    row "POST /v1/verifications, concurrency $c" "$out"
done
out=$(wrk -t2 -c64 -d${seconds}s --latency "http://127.0.0.1:$port/healthz")
row "GET /healthz, 64 connections" "$out"
stop_server
for c in 1 2 8; do
    echo "| engine alone (fastcert face bench), $c in flight | $($bin face bench "$photo" --seconds "$seconds" --workers 2 --concurrency $c) | | | |"
done
fi
[[ " $parts " == *" kiosk "* ]] || exit 0

echo
echo "Kiosk (liveness, the default): sessions until the challenges are $challenges, then ${#frames[@]} frames of a real head turn and its mirror"
echo
echo "| load | verification flows/s | mean flow | sessions asked | liveness passed, verified |"
echo "|---|---|---|---|---|"
start_server '{}'
for c in 1 2; do
    out=$(FASTCERT_KEY=$kiosk FASTCERT_PERSON=$clip_person FASTCERT_FRAMES=$frame_list FASTCERT_STAMPS=$stamp_list \
        FASTCERT_CHALLENGES=$challenges wrk -t$c -c$c -d${seconds}s -s scripts/bench/kiosk.lua "http://127.0.0.1:$port/")
    line=$(grep '^KIOSK' <<<"$out")
    field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$line"; }
    echo "| HTTP, concurrency $c | $(field per_second) | $(field mean_flow_ms) ms | $(field sessions) | $(field live), $(field verified) of $(field verifications) |"
done
stop_server
ms() {  # one session's analysis time with $1 workers, median of 5
    for _ in 1 2 3 4 5; do
        $bin liveness analyze "$work/frames" --challenges "$challenges" --max-frames 30 --interval-ms 700 --workers "$1" 2>&1 |
            sed -nE 's/^verdict: ([a-z]+) \(([0-9]+) ms\).*/\2 \1/p'
    done | sort -n | sed -n 3p
}
one=$(ms 2)
echo "| engine alone, one session at a time (2 workers) | $(awk '{printf "%.2f", 1000 / $1}' <<<"$one") | ${one% *} ms | | ${one#* } |"
a=$(mktemp) b=$(mktemp)
(ms 1 >"$a") & (ms 1 >"$b") & wait
echo "| engine alone, two sessions at once (1 worker each) | $(awk '{s += 1000 / $1} END {printf "%.2f", s}' "$a" "$b") | $(cut -d' ' -f1 "$a") / $(cut -d' ' -f1 "$b") ms | | $(cut -d' ' -f2 "$a") |"
rm -f "$a" "$b"
