"""Writes kiosk captures for the HTTP benchmark: each flow a different capture of the person in the
clip, as far as the service's replay check is concerned (docs/liveness.md, "Replays").

A capture is 10 frames: two frontal ones, a turn (2 frames at its widest, then back to a frontal
one), a frontal one, a turn (the same), a frontal one. The clip (zubair_real_webcam_headturn)
turns to the person's right (frames 32-42) in a way the engine follows; its left turn (46-52) is
far from the camera and mostly lost by the detector, so a left turn is the right one mirrored,
about the head's own axis, the room left as it is (see `load`).

What the service checks decides the frames (LivenessPolicy; measured with `fastcert liveness
analyze` on 40 flows in all 4 sequences: 160 of 160 live). A mirrored face is not the same picture
of the person: a mirrored frontal face lies ~0.6 from the unmirrored ones, over the identity
check's 0.55 between frontal frames, so no mirrored frame may ever count as frontal (yaw cue within
0.06 of the start's): only the widest two (34-35, cue +0.21 to +0.50 mirrored) are mirrored, and
every frontal frame is unmirrored. The ramp and the way back (32-33, 36-42) measured as close to
frontal as +0.04 mirrored (36 even unmirrored), and the detector loses most of 37-40. Two frames at
the widest: when the detector loses 34 (one flow in eight unmirrored), 35 still makes the turn.
Two frontal frames between the turns: the head must come back within 0.06 of the start before the
second turn counts.

Each flow draws its frontal frames from 14 moments of the clip and frames them all as the camera
would another day: the person a little nearer or further and off centre (a crop of 90-97% of the
view, placed at random), another exposure (gain 0.9-1.1) and the sensor's own noise on every
frame. The same frames every flow would be refused: an earlier capture sent again.

Each flow's folder holds n0..n3 (frontal) and, for the first and second turn, a_right_0..2,
a_left_0..2, b_right_0..2, b_left_0..2; the kiosk script sends n0 n1 a_* n2 b_* n3 for the issued
challenges. engine/ holds flow 0 assembled for "turn_right,turn_left" (for `fastcert liveness analyze`).
Usage: python kiosk_flows.py CLIP_DIR OUT FLOWS [SEED]   (Pillow and numpy: the peer venv has them)"""
import json
import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

clip, out, flows = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 2026)
files = sorted(p for p in clip.iterdir() if p.suffix.lower() in (".jpg", ".png"))
assert len(files) >= 66, f"{clip}: expected the 66-frame head-turn clip"
# Clip frames by pose (yaw cue of dlib's 5 points; index from 0), measured on 40 generated flows
# (the cue printed by `fastcert liveness analyze`): frontal ones before the turn, within 0.1 of each
# other whatever the framing (0, the enrollment photo, and the last ones, 63-65, measure up to 0.08
# higher); and the turn's widest two, 34 (cue -0.28 to -0.25 as it is, +0.23 to +0.32 mirrored; the
# detector loses it one time in eight) and 35 (-0.49 to -0.22, +0.20 to +0.50; never lost). Its ramp
# (32-33) and the frames after (36-42) are left out: mirrored, they measured as close to frontal
# as +0.04, and 36 even unmirrored, and the detector loses most of 37-40.
FRONTAL = list(range(1, 15))
PEAK = [34, 35]
# The head in 34-35 (the clip's pixels): its vertical axis, and an ellipse around head and neck.
HEAD_AXIS, HEAD = 275, (180, 100, 370, 420)
images = {}


def load(index, mirrored=False):
    """A clip frame; mirrored, the head turned the other way where it stands, in the same room: the
    picture mirrored about the head's axis inside a soft-edged ellipse around the head, the clip's
    own pixels outside it. (The whole picture mirrored moves the room too: the window then passes
    behind the head between a frontal frame and a turned one, and the structure check found a
    plane in one flow of 40.)"""
    if (index, mirrored) not in images:
        image = Image.open(files[index]).convert("RGB")
        if mirrored:
            pixels = np.asarray(image, dtype=np.float32)
            flipped = pixels[:, np.clip(2 * HEAD_AXIS - np.arange(image.width), 0, image.width - 1)]
            mask = Image.new("L", image.size, 0)
            ImageDraw.Draw(mask).ellipse(HEAD, fill=255)
            weight = np.asarray(mask.filter(ImageFilter.GaussianBlur(12)), dtype=np.float32)[..., None] / 255
            image = Image.fromarray((flipped * weight + pixels * (1 - weight)).astype(np.uint8))
        images[index, mirrored] = image
    return images[index, mirrored]


def turn(back):
    """A turn at its widest for two frames, then back to the camera."""
    return PEAK + [back]


def capture(flow_dir, noise_rng):
    """Frames as one sitting's camera sees them: one framing and exposure, fresh noise each frame."""
    width, height = load(0).size
    scale = rng.uniform(0.90, 0.97)
    w, h = int(width * scale), int(height * scale)
    x, y = rng.randint(0, width - w), rng.randint(0, height - h)
    gain = rng.uniform(0.9, 1.1)

    def frame(index, mirrored, name):
        image = load(index, mirrored).crop((x, y, x + w, y + h)).resize((width, height), Image.BILINEAR)
        pixels = np.asarray(image, dtype=np.float32) * gain + noise_rng.normal(0, 2.0, (height, width, 3))
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(flow_dir / f"{name}.jpg", quality=90)

    frontal = rng.sample(FRONTAL, 6)
    used = {"n": sorted(frontal[:3]) + [frontal[3]]}
    for i, index in enumerate(used["n"]):
        frame(index, False, f"n{i}")
    for name, back in (("a", frontal[4]), ("b", frontal[5])):
        used[f"{name}_right"], used[f"{name}_left"] = turn(back), turn(back)
        for i, index in enumerate(used[f"{name}_right"]):
            frame(index, False, f"{name}_right_{i}")
        for i, index in enumerate(used[f"{name}_left"]):
            frame(index, i < 2, f"{name}_left_{i}")
    # Which clip frames the flow shows (left ones mirrored), for a failure's post-mortem.
    (flow_dir / "frames.json").write_text(json.dumps(used) + "\n")


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
