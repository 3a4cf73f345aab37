#!/usr/bin/env python3
"""Writes generated presentation attacks as frame sequences for `fastcert liveness eval`:
from each source photo, one photo repeated; the photo moved in the image plane; the photo as a
flat print turned and tilted in front of the camera (a sequence of homographies, both ways);
the photo on a phone held up to the camera; the person in view, then a phone held up elsewhere;
and frames of two people interleaved. Needs Pillow and numpy. Labels go to OUT/SOURCES.tsv."""
import argparse, math, os
import numpy as np
from PIL import Image, ImageFilter


def perspective(image, yaw_deg, pitch_deg, dx, dy):
    """The image as a flat print turned by yaw and tilted by pitch, one focal length from a pinhole camera."""
    w, h = image.size
    f = float(w)
    yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    out = []
    for x, y in corners:
        x, y, z = x - w / 2, y - h / 2, 0.0
        x1, z1 = x * math.cos(yaw) + z * math.sin(yaw), -x * math.sin(yaw) + z * math.cos(yaw)
        y2, z2 = y * math.cos(pitch) - z1 * math.sin(pitch), y * math.sin(pitch) + z1 * math.cos(pitch)
        s = f / (f + z2)
        out.append((x1 * s + w / 2 + dx, y2 * s + h / 2 + dy))
    # PIL wants the map from output to input.
    rows, rhs = [], []
    for (xo, yo), (xi, yi) in zip(out, corners):
        rows.append([xo, yo, 1, 0, 0, 0, -xi * xo, -xi * yo]); rhs.append(xi)
        rows.append([0, 0, 0, xo, yo, 1, -yi * xo, -yi * yo]); rhs.append(yi)
    coeffs = np.linalg.solve(np.array(rows, float), np.array(rhs, float))
    return image.transform((w, h), Image.Transform.PERSPECTIVE, tuple(coeffs), Image.Resampling.BILINEAR, fillcolor=(40, 40, 40))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--photos", nargs="+", required=True, help="source photos (one face each)")
    p.add_argument("--out", required=True)
    p.add_argument("--width", type=int, default=640)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    labels = ["folder\tlabel"]

    def load(path):
        """The photo fitted into a 4:3 frame (the kiosk camera's), letterboxed."""
        im = Image.open(path).convert("RGB")
        w, h = a.width, a.width * 3 // 4
        scale = min(w / im.width, h / im.height)
        im = im.resize((int(im.width * scale), int(im.height * scale)), Image.Resampling.LANCZOS)
        canvas = Image.new("RGB", (w, h), (40, 40, 40))
        canvas.paste(im, ((w - im.width) // 2, (h - im.height) // 2))
        return canvas

    def write(name, label, frames):
        folder = os.path.join(a.out, name)
        os.makedirs(folder, exist_ok=True)
        for i, frame in enumerate(frames):
            frame.save(os.path.join(folder, f"frame_{i + 1:03d}.jpg"), quality=90)
        labels.append(f"{name}\t{label}")

    def phone(im, width, x, y):
        """The photo on a phone held in front of the camera: a black bezel around a screen with lifted
        blacks, a blue cast and a slight blur, over a plain wall (as the tests' ctest_phone_screen_to_jpeg)."""
        w, h = a.width, a.width * 3 // 4
        wall = np.zeros((h, w, 3), np.uint8)
        rows = np.arange(h)[:, None]
        wall[..., 0], wall[..., 1], wall[..., 2] = 110 + rows // 12, 100 + rows // 15, 90 + rows // 20
        frame = Image.fromarray(wall)
        bezel, height = max(4, width // 22), width * 154 // 100
        sw, sh = width - 2 * bezel, height - 5 * bezel
        src = im
        screen = src.resize((sw, max(1, src.height * sw // src.width)), Image.Resampling.LANCZOS).crop((0, 0, sw, sh))
        pixels = np.asarray(screen, np.float32) * 0.9 + 12 + np.array([0, 6, 18], np.float32)
        screen = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
        body = Image.new("RGB", (width, height), (15, 15, 18))
        body.paste(screen, (bezel, 2 * bezel))
        frame.paste(body, (x, y))
        return frame

    photos = [load(path) for path in a.photos]
    for n, im in enumerate(photos):
        write(f"p{n:03d}_repeated", "attack: one photo repeated", [im] * 10)
        write(f"p{n:03d}_in_plane", "attack: photo moved in the image plane",
              [perspective(im, 0, 0, 6 * i, 3 * i) for i in range(10)])
        yaws = [0, 0, 15, 35, 45, 15, 0, -15, -35, -45, -15, 0]
        write(f"p{n:03d}_tilted_print", "attack: print turned and tilted (homographies)",
              [perspective(im, y, 8 * math.sin(i), 2 * i, 0) for i, y in enumerate(yaws)])
        write(f"p{n:03d}_phone", "attack: photo on a phone, moved",
              [phone(im, 364, 130 + 3 * i, 16 + i) for i in range(10)])
        write(f"p{n:03d}_person_then_phone", "attack: person, then a phone elsewhere",
              [im, im] + [phone(im, 200, 420 + 2 * i, 200 + i) for i in range(8)])
        other = photos[(n + 1) % len(photos)]
        if other.size == im.size:
            write(f"p{n:03d}_two_people", "attack: frames of two people",
                  [perspective(im if i % 2 == 0 else other, 0, 0, 5 * i, 0) for i in range(10)])
    with open(os.path.join(a.out, "SOURCES.tsv"), "w") as f:
        f.write("\n".join(labels) + "\n")


if __name__ == "__main__":
    main()
