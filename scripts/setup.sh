#!/usr/bin/env bash
# Prepares a fresh Debian machine (as root) to build, test and run FastCert. Idempotent.
#  1. Debian packages: OpenCV, dlib, libjpeg, SQLite, BLAS/LAPACK and OpenBLAS (a dlib embedding
#     takes ~14 ms with OpenBLAS, ~210 ms with the reference BLAS); chromium and chromium-driver, in
#     which the tests drive the console and the kiosk page.
#  2. The dlib models into models/ (sha256-checked against models/MANIFEST.tsv).
#  3. The test photos into Tests/Fixtures/images/.
#  4. schemathesis (PyPI, pinned) into .build-tools-venv/, which the API test runs against a live server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
packages=(libopencv-dev libdlib-dev libjpeg-dev libsqlite3-dev libblas-dev liblapack-dev libopenblas0-pthread
          chromium chromium-driver)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: Debian packages present"
if ! update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep -q '^Value: .*openblas'; then
    echo "setup: warning: the system BLAS is not OpenBLAS; embeddings will be ~15x slower" >&2
fi

"$root/models/fetch.sh"
"$root/Tests/Fixtures/fetch.sh"

tools="$root/.build-tools-venv"
schemathesis_version=4.32.5
if ! "$tools/bin/st" --version 2>/dev/null | grep -q "$schemathesis_version"; then
    echo "setup: installing schemathesis $schemathesis_version into .build-tools-venv"
    python3 -m venv "$tools"
    "$tools/bin/pip" install -q --disable-pip-version-check "schemathesis==$schemathesis_version"
fi
echo "setup: schemathesis present"
