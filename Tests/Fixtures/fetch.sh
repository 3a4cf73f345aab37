#!/usr/bin/env bash
# Fetches the test photos (obama x3, biden, partial faces, a 32-bit PNG; MIT licence) from the PyPI
# sdist face_recognition==1.3.0 into Tests/Fixtures/images/. Idempotent; never commit the images.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target="$here/images"
wanted=(obama.jpg obama2.jpg obama3.jpg biden.jpg obama_partial_face.jpg obama_partial_face2.jpg 32bit.png)
have=0
for f in "${wanted[@]}"; do [ -s "$target/$f" ] && have=$((have + 1)); done
[ "$have" -eq ${#wanted[@]} ] && { echo "fixtures: all present in $target"; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download -q --no-deps --no-binary :all: face_recognition==1.3.0 -d "$work"
archive=$(find "$work" -maxdepth 1 -name 'face_recognition-1.3.0.tar.gz' | head -n 1)
[ -n "$archive" ] || { echo "fixtures: the download produced no sdist" >&2; exit 1; }
mkdir -p "$target"
tar -xzf "$archive" -C "$work" face_recognition-1.3.0/tests/test_images
for f in "${wanted[@]}"; do
    cp "$work/face_recognition-1.3.0/tests/test_images/$f" "$target/$f"
done
cp "$work/face_recognition-1.3.0/LICENSE" "$target/LICENSE" 2>/dev/null || true
echo "fixtures: ${#wanted[@]} images in $target"
