"""The peer: what an operator would script with face_recognition instead of fastcert.
  encode: load_image_file + face_encodings for every photo of batch.csv, in N processes.
  search: face_recognition.face_distance (numpy, float64 as face_encodings returns) of a new
          embedding against every enrolled template, one thread."""
import argparse
import csv
import multiprocessing
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def encode(path):
    import face_recognition
    image = face_recognition.load_image_file(path)
    return len(face_recognition.face_encodings(image))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["encode", "search"])
    parser.add_argument("--csv")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--matrix")
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    if args.mode == "encode":
        with open(args.csv) as f:
            paths = [row["photo_path"] for row in csv.DictReader(f)]
        start = time.perf_counter()
        with multiprocessing.Pool(args.processes) as pool:
            faces = pool.map(encode, paths, chunksize=1)
        seconds = time.perf_counter() - start
        print(f"face_recognition, {args.processes} process(es): {len(paths)} photos, {sum(1 for n in faces if n)} with a face, "
              f"{seconds:.1f} s ({len(paths) / seconds:.1f} photos/s; no quality check, no storage, no duplicate search)")
    else:
        import numpy as np
        import face_recognition
        known = np.fromfile(args.matrix, dtype=np.float32).reshape(-1, 128).astype(np.float64)
        rng = np.random.default_rng(1)
        times = []
        for _ in range(args.queries):
            query = known[rng.integers(len(known))] + rng.normal(0, 0.3 / np.sqrt(128), 128)
            start = time.perf_counter()
            distances = face_recognition.face_distance(known, query)
            _ = np.flatnonzero(distances <= 0.45)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"face_recognition.face_distance over {len(known)} templates: p50 {times[len(times) // 2]:.1f} ms, "
              f"max {times[-1]:.1f} ms per photo (numpy, one thread)")


if __name__ == "__main__":
    main()
