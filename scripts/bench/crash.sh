#!/usr/bin/env bash
# Crash safety under load (scripts/bench/crash.py): verifications and evidence batches against the
# release binary, SIGKILLed at random moments KILLS times (default 200), restarted after each; every
# acknowledged write must survive and PRAGMA integrity_check must stay ok. Prints kills survived and
# acknowledged writes lost (target 0). FASTCERT_BIN=PATH tests another build.
# Usage: scripts/bench/crash.sh [KILLS] [SEED]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
binary=${FASTCERT_BIN:-}
if [ -z "$binary" ]; then
    swift build -c release --product fastcert >/dev/null
    binary="$root/.build/release/fastcert"
fi
FASTCERT_MODELS="${FASTCERT_MODELS:-$root/models}" exec python3 "$root/scripts/bench/crash.py" --binary "$binary" \
    --photos "$root/Tests/Fixtures/images" --kills "${1:-200}" --seed "${2:-1}"
