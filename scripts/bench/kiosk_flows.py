"""Writes kiosk captures for the HTTP benchmark: each flow a different capture of the person in the
clip, as far as the service's replay check is concerned (docs/liveness.md, "Replays").

A capture is 10 frames: two frontal ones, a turn (3 frames), a frontal one, a turn (3 frames), a
frontal one. The clip (zubair_real_webcam_headturn) turns to the person's right (frames 32-42) in a
way the engine follows; a left turn is those frames mirrored. KNOWN PROBLEM: a mirrored face can be
0.6 from the unmirrored frontal ones, over the identity check's 0.55 (2 of 12 sequences tried). Each flow draws its frames from different moments of
the clip (the frontal ones among 18, each turn's frames among its neighbours) and frames them as the camera
would another day: the person a little nearer or further and off centre (a crop of 90-97% of the
view, placed at random), another exposure (gain 0.9-1.1) and the sensor's own noise on every frame.
The same frames every flow would be refused: an earlier capture sent again.

Each flow's folder holds n0..n3 (frontal) and, for the first and second turn, a_right_0..2,
a_left_0..2, b_right_0..2, b_left_0..2; the kiosk script sends n0 n1 a_* n2 b_* n3 for the issued
challenges. engine/ holds flow 0 assembled for "turn_right,turn_left" (for `fastcert liveness analyze`).
Usage: python kiosk_flows.py CLIP_DIR OUT FLOWS [SEED]   (Pillow and numpy: the peer venv has them)"""
import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

clip, out, flows = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 2026)
files = sorted(p for p in clip.iterdir() if p.suffix.lower() in (".jpg", ".png"))
assert len(files) >= 66, f"{clip}: expected the 66-frame head-turn clip"
# Clip frames by pose (yaw cue of dlib's 5 points, measured on the clip): frontal before the turn,
# the head turning, at its widest, and on its way back. The engine keeps the face through the right
# turn only (its left turn, frames 49-50, is not seen as one), so a left turn is the right one mirrored.
FRONTAL = list(range(0, 15)) + [63, 64, 65]
RAMP, PEAK, BACK = [32, 33], [34, 35, 36], [39, 40, 41]
images = {}


def load(index):
    if index not in images:
        images[index] = Image.open(files[index]).convert("RGB")
    return images[index]


def capture(flow_dir, noise_rng):
    """Frames as one sitting's camera sees them: one framing and exposure, fresh noise each frame."""
    width, height = load(0).size
    scale = rng.uniform(0.90, 0.97)
    w, h = int(width * scale), int(height * scale)
    x, y = rng.randint(0, width - w), rng.randint(0, height - h)
    gain = rng.uniform(0.9, 1.1)

    def frame(index, mirrored, name):
        image = load(index).crop((x, y, x + w, y + h)).resize((width, height), Image.BILINEAR)
        if mirrored:
            image = ImageOps.mirror(image)
        pixels = np.asarray(image, dtype=np.float32) * gain + noise_rng.normal(0, 2.0, (height, width, 3))
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(flow_dir / f"{name}.jpg", quality=90)

    frontal = sorted(rng.sample(FRONTAL[:15], 3)) + [rng.choice(FRONTAL)]
    for i, index in enumerate(frontal):
        frame(index, False, f"n{i}")
    for turn in ("a", "b"):
        poses = [rng.choice(RAMP), rng.choice(PEAK), rng.choice(BACK)]
        for i, index in enumerate(poses):
            frame(index, False, f"{turn}_right_{i}")
            frame(index, True, f"{turn}_left_{i}")


noise = np.random.default_rng(rng.randint(0, 2**32 - 1))
for n in range(flows):
    flow_dir = out / f"flow_{n:04d}"
    flow_dir.mkdir(parents=True, exist_ok=True)
    capture(flow_dir, noise)
engine = out / "engine"
engine.mkdir(parents=True, exist_ok=True)
order = ["n0", "n1", "a_right_0", "a_right_1", "a_right_2", "n2", "b_left_0", "b_left_1", "b_left_2", "n3"]
for i, name in enumerate(order):
    (engine / f"frame_{i:03d}.jpg").write_bytes((out / "flow_0000" / f"{name}.jpg").read_bytes())
