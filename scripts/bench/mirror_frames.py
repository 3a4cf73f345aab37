"""Writes a capture that performs two turns from a clip that performs one: the clip's frames, then
the same frames mirrored (a right turn becomes a left one), numbered in order into OUT.
Usage: python mirror_frames.py OUT FRAME...   (needs Pillow: the peer venv of scripts/bench has it)"""
import sys
from pathlib import Path

from PIL import Image, ImageOps

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
frames = sys.argv[2:]
for i, name in enumerate(frames + frames):
    image = Image.open(name).convert("RGB")
    if i >= len(frames):
        image = ImageOps.mirror(image)
    image.save(out / f"frame_{i:03d}.jpg", quality=92)
