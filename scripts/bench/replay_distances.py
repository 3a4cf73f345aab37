"""Distances between frames under the liveness replay rule's difference hash (a transcription of
CBridge/fingerprint.cpp: grey, INTER_AREA to 17x16, one bit a horizontal pair), for tuning the rule
(docs/liveness.md, "Replays"):
 - each frame against its copies: one byte appended, a comment segment added, re-encoded at JPEG
   quality 90, 75 (and 50), shifted 4 px, cropped by 5%;
 - distinct frames: within each liveness-dev clip (every pair, and each frame's nearest other),
   across clips, and the faces-dev photos;
 - captures: a window of W frames of a clip against the frames before it (another moment of the
   same sitting: a retry), with and without a gap of 2 frames, the share of its frames within T bits;
   and a re-encoded window against its original.
Usage: python replay_distances.py [DATA_DIR]   (default ../shared/data; needs opencv-python-headless,
numpy and Pillow)"""
import glob
import io
import itertools
import os
import sys

import cv2
import numpy as np
from PIL import Image

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"


def decode(b):
    return cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_GRAYSCALE)


def dhash(grey):
    cells = cv2.resize(grey, (17, 16), interpolation=cv2.INTER_AREA).astype(np.int16)
    return (cells[:, 1:] > cells[:, :-1]).flatten()


def reencode(b, quality):
    out = io.BytesIO()
    Image.open(io.BytesIO(b)).convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def bits(a, b):
    return int((a != b).sum())


clips = sorted(glob.glob(os.path.join(data, "liveness-dev", "*", "")))
faces = sorted(f for f in glob.glob(os.path.join(data, "faces-dev", "*", "*")) if f.lower().endswith((".jpg", ".jpeg", ".png")))
files = {c: sorted(glob.glob(c + "*.jpg")) for c in clips}
every = [f for c in clips for f in files[c]] + faces
raw = {f: open(f, "rb").read() for f in every}
hashes = {f: dhash(g) for f, g in ((f, decode(raw[f])) for f in every) if g is not None}

print("copies of each frame and photo (bits of 256 from the original): max, 99th percentile, median")
copies = {
    "one byte appended": lambda b, g: decode(b + b"x"),
    "a comment segment added": lambda b, g: decode(b[:2] + b"\xff\xfe\x00\x10edited-by-tool" + b[2:]),
    "re-encoded, quality 90": lambda b, g: decode(reencode(b, 90)),
    "re-encoded, quality 75": lambda b, g: decode(reencode(b, 75)),
    "re-encoded, quality 50": lambda b, g: decode(reencode(b, 50)),
    "shifted 4 px": lambda b, g: g[4:, 4:],
    "cropped by 5%": lambda b, g: g[int(g.shape[0] * .025):int(g.shape[0] * .975), int(g.shape[1] * .025):int(g.shape[1] * .975)],
}
for name, make in copies.items():
    d = np.array([bits(dhash(make(raw[f], decode(raw[f]))), h) for f, h in hashes.items()])
    print(f"  {name}: {d.max()}, {np.percentile(d, 99):.0f}, {np.median(d):.0f}  ({len(d)} images)")

print("distinct frames: each frame's nearest other frame of its clip (min, median); every pair (min, median)")
for c in clips:
    hs = [hashes[f] for f in files[c]]
    nearest = [min(bits(a, b) for j, b in enumerate(hs) if j != i) for i, a in enumerate(hs)]
    pairs = [bits(a, b) for a, b in itertools.combinations(hs, 2)]
    print(f"  {os.path.basename(c[:-1])} ({len(hs)} frames): nearest {min(nearest)}, {np.median(nearest):.0f}; pairs {min(pairs)}, {np.median(pairs):.0f}")
cross = [bits(hashes[a], hashes[b]) for c, d in itertools.combinations(clips, 2) for a in files[c] for b in files[d]]
print(f"  across clips: min {min(cross)}, median {np.median(cross):.0f}")
fh = [hashes[f] for f in faces if f in hashes]
pairs = [bits(a, b) for a, b in itertools.combinations(fh, 2)]
print(f"  faces-dev ({len(fh)} photos), every pair: min {min(pairs)}, median {np.median(pairs):.0f}, within 4 bits: {sum(p <= 4 for p in pairs)} of {len(pairs)}")

print("captures: the largest share of a new capture's frames within T bits of the frames before it (W = 8, or half a short clip),")
print("and the smallest share of a re-encoded capture's frames within T bits of the original's")
for c in clips:
    hs = [hashes[f] for f in files[c]]
    n = len(hs)
    w = min(8, n // 2)
    encoded = {q: [dhash(decode(reencode(raw[f], q))) for f in files[c]] for q in (90, 75)}
    cells = []
    for t in (3, 4, 5, 6):
        natural = {gap: max(sum(min(bits(b, a) for a in hs[: s - gap]) <= t for b in hs[s: s + w]) / w for s in range(w, n - w + 1))
                   for gap in (0, 2)}
        replay = {q: min(sum(bits(encoded[q][i], hs[i]) <= t for i in range(s, s + w)) / w for s in range(0, n - w + 1)) for q in (90, 75)}
        cells.append(f"T={t}: new {natural[0]:.2f} (gap 2: {natural[2]:.2f}), re-encoded 90 {replay[90]:.2f}, 75 {replay[75]:.2f}")
    print(f"  {os.path.basename(c[:-1])}: " + "; ".join(cells))
