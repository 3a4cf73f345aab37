#!/usr/bin/env bash
# HTTP benchmark of camera sightings (issue 30, item 3): the real `fastcert serve` (release build)
# on a temporary SQLite ledger, a population enrolled from real photos (faces-dev and lfw-devtrain:
# each person with two or more photos enrolled with their first, by `fastcert enroll --batch`), and
# cameras (one `--role camera` key a site, a thread each, one keep-alive connection) sending
# POST /v1/sightings back to back: a still of the card holder (another of their photos) or, for
# IMPOSTOR_SHARE of them, of someone else; every capture id new. Sightings decided a second, p50 and
# p95 latency and the outcomes, with 1 and 2 engine workers, with and without the CNN fallback
# (`serve --no-cnn-fallback`), and with HARD_SHARE (0.1) of the stills ones HOG alone finds no face in
# (lfw-devtrain's 28, scripts/bench/lfw-hog-misses.txt: what the CNN fallback costs); then the batch
# form (BATCH sightings a request) on 2 workers.
# Fails (exit 1, with an example answer) on any answer that is not a 2xx carrying an `outcome`
# (non-2xx, error bodies, socket errors): scripts/bench/sightings_load.py counts them.
# The route is docs/sightings.md's: multipart person_id, capture_id, captured_at, still; the batch
# POST /v1/sightings/batch, NDJSON with base64 stills, answered with `results`.
# Usage: scripts/bench/sightings.sh [SECONDS] [PERSONS]   (defaults: 15 s a step, 300 persons)
#   CAMERAS (default 4): cameras sending at once; IMPOSTOR_SHARE (0.2); STILLS (1 to 3 a sighting, 1);
#   BATCH (20); PARTS ("single batch engine") chooses the parts; FASTCERT_BIN runs another build.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seconds=${1:-15}
persons=${2:-300}
cameras=${CAMERAS:-4}
impostors=${IMPOSTOR_SHARE:-0.2}
stills=${STILLS:-1}
batch=${BATCH:-20}
hard=${HARD_SHARE:-0.1}
parts=${PARTS:-single batch engine}
faces=${FACES_DEV:-$root/../shared/data/faces-dev}
lfw=${LFW_DEVTRAIN:-$root/../shared/data/lfw-devtrain}
bin=${FASTCERT_BIN:-}
[ -z "$bin" ] && swift build -c release --product fastcert >/dev/null && bin=$PWD/.build/release/fastcert
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
db=$work/bench.sqlite
port=${PORT:-18090}
fail() {  # what went wrong: loud, and the run's exit status
    echo "FAIL: $*" >&2
    exit 1
}

python3 scripts/bench/sightings_data.py --root "$faces" --root "$lfw" --persons "$persons" --out "$work" >"$work/data.txt"
$bin units import "$work/units.csv" --database "$db" >/dev/null
$bin persons import "$work/persons.csv" --database "$db" >/dev/null
started=$(date +%s.%N)
$bin enroll --consent-by person --batch "$work/batch.csv" --report "$work/not-enrolled.csv" --database "$db" --workers 2 >"$work/enroll.txt" 2>&1 ||
    true  # a photo refused (no face, several faces, a duplicate) is reported, not fatal: its person is not sighted
enrolled=$(( $(tail -n +2 "$work/persons.csv" | wc -l) - $(tail -n +2 "$work/not-enrolled.csv" 2>/dev/null | cut -d, -f1 | sort -u | wc -l) ))
[ "$enrolled" -gt 10 ] || fail "only $enrolled persons enrolled: $(tail -3 "$work/enroll.txt")"
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores)"
echo "Population: $(cat "$work/data.txt"), $enrolled enrolled ($(python3 -c "print(f'{$(date +%s.%N) - $started:.0f}')") s)"

# Cameras: one key a site (new keys every step: a step's last request may still be in flight).
steps=10
all_keys=($(for i in $(seq $(( steps * cameras ))); do
    $bin keys create --role camera --unit 370202001001 --name "bench-site-$i" --database "$db" 2>/dev/null; done))
[ "${#all_keys[@]}" = $(( steps * cameras )) ] || fail "created ${#all_keys[@]} of $(( steps * cameras )) camera keys"
next_key=0
take_keys() {  # $1 cameras: that many keys never used before, comma-separated, in $keys
    keys=$(IFS=,; echo "${all_keys[*]:$next_key:$1}")
    next_key=$(( next_key + $1 ))
}
start_server() {  # $1 workers, then extra serve flags
    local workers=$1; shift
    # The calibrated sighting thresholds (docs/sightings-thresholds.md); SIGHTING_CONFIRM / SIGHTING_OTHER_FACE change them.
    FASTCERT_SIGHTING_CONFIRM_THRESHOLD=${SIGHTING_CONFIRM:-0.50} FASTCERT_SIGHTING_OTHER_FACE_THRESHOLD=${SIGHTING_OTHER_FACE:-0.73} \
        $bin serve --database "$db" --port "$port" --workers "$workers" --log-level warning "$@" 2>"$work/serve.log" &
    server=$!
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.1; done
    fail "the service did not become ready: $(tail -5 "$work/serve.log")"
}
stop_server() { kill $server; wait $server 2>/dev/null || true; server=; }
run=0
load() {  # label, then sightings_load.py flags; prints a table row, fails loudly on any bad answer
    local label=$1; shift
    run=$(( run + 1 ))
    take_keys "$cameras"
    local out
    out=$(python3 scripts/bench/sightings_load.py --url "http://127.0.0.1:$port" --keys "$keys" --stills "$work/stills.tsv" \
        --not-enrolled "$work/not-enrolled.csv" --seconds "$seconds" --impostor-share "$impostors" \
        --stills-per-sighting "$stills" --run "bench$$-$run" --seed "$run" "$@") || fail "$label: $out"
    line=$(grep '^SIGHTINGS ' <<<"$out") || fail "$label: no summary: $out"
    field() { sed -nE "s/.* $1=([^ ]+).*/\1/p" <<<"$line"; }
    [ "$(field exhausted)" = 0 ] || echo "warning: $label: the cameras ran out of prepared sightings (raise --rate)" >&2
    echo "| $label | $(field per_second) | $(field p50_ms) ms | $(field p95_ms) ms | $(field decided) | $(field confirmed) / $(field other_face) / $(field no_decision) | $(field failures) |"
}

if [[ " $parts " == *" single "* ]]; then
    echo
    echo "POST /v1/sightings, $cameras cameras sending back to back, $stills still(s) a sighting, ${impostors} of them another person's; ${seconds} s a step"
    echo
    echo "| engine | sightings decided/s | p50 | p95 | decided | confirmed / other_face / no_decision | failures |"
    echo "|---|---|---|---|---|---|---|"
    for workers in 1 2; do
        for fallback in on off; do
            flags=()
            [ $fallback = off ] && flags=(--no-cnn-fallback)
            start_server "$workers" "${flags[@]}"
            load "$workers worker(s), CNN fallback $fallback"
            load "$workers worker(s), CNN fallback $fallback, $hard of stills without a HOG face" \
                --hard-stills scripts/bench/lfw-hog-misses.txt --hard-share "$hard" --data "$(dirname "$lfw")"
            stop_server
        done
    done
fi
if [[ " $parts " == *" engine "* ]]; then
    # The engine alone on the same kind of stills (no HTTP, no ledger): an ordinary lfw-devtrain still,
    # and one HOG alone finds no face in, which only the CNN fallback decides.
    ordinary=$(grep -m1 -F "$(basename "$lfw")/" "$work/stills.tsv" | cut -f2)
    missed=$(dirname "$lfw")/$(head -1 scripts/bench/lfw-hog-misses.txt)
    echo
    echo "| engine alone (\`fastcert face bench\`, ${seconds} s) | stills/s, p50, p99 |"
    echo "|---|---|"
    for workers in 1 2; do
        out=$($bin face bench "$ordinary" --seconds "$seconds" --workers "$workers") || fail "face bench $ordinary"
        echo "| an ordinary still ($(basename "$(dirname "$ordinary")")), $workers worker(s) | $out |"
        out=$($bin face bench "$missed" --seconds "$seconds" --workers "$workers") || fail "face bench $missed"
        echo "| a still HOG misses ($(basename "$(dirname "$missed")")), CNN fallback, $workers worker(s) | $out |"
    done
fi
if [[ " $parts " == *" batch "* ]]; then
    echo
    echo "The batch form (a gateway uploading captures, $batch sightings a request), 2 workers, CNN fallback on"
    echo
    echo "| engine | sightings decided/s | p50 (a request) | p95 | decided | confirmed / other_face / no_decision | failures |"
    echo "|---|---|---|---|---|---|---|"
    start_server 2
    load "2 workers, batches of $batch" --batch "$batch" ${BATCH_PATH:+--batch-path "$BATCH_PATH"}
    stop_server
fi
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores)"
