#!/usr/bin/env bash
# Builds fastcert in release mode, prepares face_recognition in a venv of its own (prebuilt dlib-bin,
# so nothing compiles), and runs the side-by-side benchmark. Usage: scripts/bench/run.sh [DATA_DIR]
# FASTCERT_BENCH_ENGINE_ARGS='--mirror --cnn-fallback' measures fastcert with those engine options.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-$root/../shared/data/faces-dev}
venv=${FASTCERT_PEER_VENV:-$root/.build-peer-venv}
cd "$root"
scripts/setup.sh >/dev/null
swift build -c release --product fastcert >/dev/null
. scripts/bench/peer_venv.sh
python3 scripts/bench/bench.py --fastcert "$root/.build/release/fastcert" --peer-python "$venv/bin/python" \
    --root "$data" --out "$root/.build/bench" --engine-args="${FASTCERT_BENCH_ENGINE_ARGS:-}"
