#!/usr/bin/env bash
# Fuzzes the native bridge's decoders and analysis (scripts/fuzz/fuzz_bridge.cpp) with libFuzzer
# and AddressSanitizer (the Swift toolchain's clang), for SECONDS (default 60), on WORKERS
# processes (default 1). Seeds: the fixture photos (Tests/Fixtures/fetch.sh) shrunk, each under
# every entry point's selector byte (scripts/fuzz/make_seeds.cpp). Prints executions, the rate and
# the crashes; exits non-zero on a crash (its input is kept in .build/fuzz/artifacts/).
# TARGET: all (default: every entry point, ~50 inputs/s a worker: detection dominates) or decode (the
# header, EXIF, JPEG and PNG decoders alone, every input, thousands a second).
# Usage: scripts/fuzz/run.sh [SECONDS] [WORKERS] [TARGET]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
workers=${2:-1}
target=${3:-all}
case "$target" in
    all) unset FASTCERT_FUZZ_ONLY ;;
    decode) export FASTCERT_FUZZ_ONLY=5 ;;
    *) echo "fuzz: TARGET is all or decode" >&2; exit 2 ;;
esac
out="$root/.build/fuzz"
mkdir -p "$out/artifacts"
clang=$(command -v clang++ || echo /opt/swift/usr/bin/clang++)
binary="$out/fuzz_bridge"
if [ ! -x "$binary" ] || [ -n "$(find "$root/CBridge" "$root/scripts/fuzz/fuzz_bridge.cpp" -newer "$binary" -print -quit)" ]; then
    echo "fuzz: building the harness (ASan + libFuzzer)"
    objects=()
    for source in "$root"/CBridge/*.cpp "$root"/CBridge/*.c "$root/scripts/fuzz/fuzz_bridge.cpp"; do
        object="$out/$(basename "$source").o"
        flags=(-g -O2 -fsanitize=fuzzer-no-link,address -I"$root/CBridge" -I"$root/CBridge/include")
        case "$source" in
            *.c) "${clang%++}" "${flags[@]}" -c "$source" -o "$object" ;;
            *) "$clang" "${flags[@]}" -std=c++17 -I/usr/include/opencv4 -Wno-deprecated-declarations -c "$source" -o "$object" ;;
        esac
        objects+=("$object")
    done
    "$clang" -fsanitize=fuzzer,address "${objects[@]}" -o "$binary" -ldlib -lopencv_core -lopencv_imgproc -lopencv_video \
        -lopencv_calib3d -lopencv_dnn -ljpeg -lblas -llapack -lpthread 2> "$out/link.log"
fi
# Seeds: the fixture photos shrunk (64-200 px wide; JPEG, progressive JPEG, PNG) under every selector.
seeds="$out/seeds"
if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
    mkdir -p "$seeds"
    "$clang" -O1 -I/usr/include/opencv4 "$root/scripts/fuzz/make_seeds.cpp" -o "$out/make_seeds" -lopencv_core -lopencv_imgproc \
        -lopencv_imgcodecs
    "$out/make_seeds" "$seeds" "$root"/Tests/Fixtures/images/*
fi
export FASTCERT_MODELS="${FASTCERT_MODELS:-$root/models}"
log="$out/run.log"
status=0
mkdir -p "$out/corpus-$target"
"$binary" "$out/corpus-$target" "$seeds" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=3072 -timeout=20 \
    -artifact_prefix="$out/artifacts/" -print_final_stats=1 $([ "$workers" -gt 1 ] && echo "-fork=$workers") > "$log" 2>&1 ||
    status=$?
# Executions: the final stats of a single process, or the fork mode's last progress line.
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
if [ "$runs" -eq 0 ]; then runs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | awk '{print $2 + 0}'); fi
crashes=$(ls "$out/artifacts" 2>/dev/null | grep -c -E '^(crash|leak|oom|timeout)-' || true)
echo "fuzz ($target): ${seconds}s on $workers worker(s): $runs executions ($((runs / (seconds > 0 ? seconds : 1)))/s), $crashes crash(es); log $log"
if [ "$crashes" -gt 0 ] || { [ "$status" -ne 0 ] && ! grep -q "Done [0-9]* runs" "$log"; }; then
    tail -40 "$log"
    exit 1
fi
