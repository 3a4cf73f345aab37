#!/usr/bin/env bash
# The city simulation at policy scale: 100,000 persons x 36 months (24 of warm-up) through the
# release binary under /usr/bin/time (wall seconds, peak resident memory), then the same seed again
# to show the figures repeat exactly. Usage: scripts/bench/simulate.sh [PERSONS] [MONTHS] [SEED]
# FASTCERT_BIN=PATH measures that binary instead of this checkout's release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
persons=${1:-100000}
months=${2:-36}
seed=${3:-1}
bin=${FASTCERT_BIN:-}
[ -z "$bin" ] && swift build -c release --product fastcert >/dev/null && bin=.build/release/fastcert
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/time -o "$out/time" -f "%e %M" $bin simulate --persons "$persons" --months "$months" --seed "$seed" --json >"$out/first.json"
read -r seconds kb <"$out/time"
echo "simulate --persons $persons --months $months --seed $seed: $seconds s, peak memory $((kb / 1024)) MB (one core)"
$bin simulate --persons "$persons" --months "$months" --seed "$seed" --json >"$out/again.json"
if cmp -s "$out/first.json" "$out/again.json"; then echo "the same seed again: identical figures"; else echo "the same seed again: DIFFERENT figures" && exit 1; fi
cat "$out/first.json"
