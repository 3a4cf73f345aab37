#!/usr/bin/env python3
"""The peer a user would pick instead: face_recognition 1.3.0 with its default settings
(HOG detector upsampling once, 5-point landmarks, one jitter), one image at a time on one thread.

Writes per-pair distances (TSV) and prints a JSON summary: images/s end to end (decode + detect +
embed), images without a face, and per-stage means (load, locate, encode)."""
import argparse, json, os, sys, time

import face_recognition as fr
import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--distances", required=True)
    args = parser.parse_args()

    with open(args.pairs) as f:
        header = f.readline().rstrip("\n").split("\t")
        ia, ib, isame = header.index("path_a"), header.index("path_b"), header.index("same")
        pairs = [(r[ia], r[ib], r[isame] == "1") for r in (line.rstrip("\n").split("\t") for line in f) if len(r) > isame]
    images = list(dict.fromkeys(p for a, b, _ in pairs for p in (a, b)))

    encodings, no_face = {}, []
    stage = {"load": 0.0, "locate_and_encode": 0.0}
    for path in images:
        t0 = time.perf_counter()
        image = fr.load_image_file(os.path.join(args.root, path))
        t1 = time.perf_counter()
        # face_encodings with no known locations runs the default detector itself (upsample 1).
        found = fr.face_encodings(image)
        t2 = time.perf_counter()
        stage["load"] += t1 - t0
        stage["locate_and_encode"] += t2 - t1
        if not found:
            no_face.append(path)
            continue
        if len(found) > 1:
            # Largest face, as fastcert eval does (this second detection is not timed).
            boxes = fr.face_locations(image)
            areas = [(b[2] - b[0]) * (b[1] - b[3]) for b in boxes]
            found = [found[int(np.argmax(areas))]]
        encodings[path] = found[0]
    seconds = sum(stage.values())

    with open(args.distances, "w") as out:
        out.write("path_a\tpath_b\tsame\tdistance\n")
        for a, b, same in pairs:
            if a in encodings and b in encodings:
                out.write(f"{a}\t{b}\t{int(same)}\t{float(np.linalg.norm(encodings[a] - encodings[b]))}\n")
    json.dump({
        "images": len(images), "no_face": len(no_face), "no_face_images": no_face,
        "seconds": seconds, "images_per_second": len(images) / seconds,
        "stage_ms": {k: 1000 * v / len(images) for k, v in stage.items()},
    }, sys.stdout)


if __name__ == "__main__":
    main()
