#!/usr/bin/env bash
# Batch enrollment and the duplicate-identity search, side by side with face_recognition (the peer
# an operator would script instead), in one run, release build.
#   1. `fastcert enroll --batch` over faces-dev (one CSV row per photo, a synthetic resident ID per
#      person) on 1 and 2 workers, each into a new database; the peer encodes the same photos
#      (load_image_file + face_encodings) in 1 and 2 processes.
#   2. `fastcert enrollments bench`: search over 2,000,000 synthetic templates on one thread, and
#      the index loaded from a database holding them (start-up); the
#      peer runs face_recognition.face_distance (numpy) over the same vectors.
# Usage: scripts/bench/enroll.sh [DATA_DIR] [TEMPLATES]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-$root/../shared/data/faces-dev}
templates=${2:-2000000}
venv=${FASTCERT_PEER_VENV:-$root/.build-peer-venv}
out=$root/.build/bench/enroll
cd "$root"
scripts/setup.sh >/dev/null
swift build -c release --product fastcert >/dev/null
. scripts/bench/peer_venv.sh
fastcert=$root/.build/release/fastcert
rm -rf "$out" && mkdir -p "$out"
python3 scripts/bench/enroll_data.py --root "$data" --out "$out"
echo "== batch enrollment over $(($(wc -l < "$out/batch.csv") - 1)) photos of $(($(wc -l < "$out/persons.csv") - 1)) persons"
for workers in 1 2; do
    db=$out/w$workers.sqlite
    "$fastcert" units import "$out/units.csv" --database "$db" >/dev/null
    "$fastcert" persons import "$out/persons.csv" --database "$db" >/dev/null
    start=$(date +%s.%N)
    "$fastcert" enroll --consent-by person --batch "$out/batch.csv" --report "$out/report-w$workers.csv" --database "$db" --workers "$workers" \
        >"$out/enroll-w$workers.txt" 2>/dev/null || true
    end=$(date +%s.%N)
    echo "fastcert, $workers worker(s): $(grep '^summary' "$out/enroll-w$workers.txt")"
    echo "    $(grep '^photos' "$out/enroll-w$workers.txt"); wall $(python3 -c "print(f'{$end - $start:.1f}')") s incl. start-up"
done
for workers in 1 2; do
    "$venv/bin/python" scripts/bench/enroll_peer.py encode --csv "$out/batch.csv" --processes "$workers"
done
echo "== duplicate search over $templates templates (one thread)"
"$fastcert" enrollments bench --templates "$templates" --write-matrix "$out/templates.f32" --from-database
"$venv/bin/python" scripts/bench/enroll_peer.py search --matrix "$out/templates.f32" --queries 20
rm -f "$out/templates.f32"
