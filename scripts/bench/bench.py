#!/usr/bin/env python3
"""Face engine benchmark: fastcert (release build) at 1 and 2 workers against face_recognition in
the same run, over a folder of labelled photos (default ../shared/data/faces-dev).

Prints a Markdown table: end-to-end images/s (decode + detect + embed), per-stage means, peak
memory, accuracy on the pairs, and how far fastcert's pair distances are from face_recognition's.
Run it through scripts/bench/run.sh, which builds the release binary and the peer's venv."""
import argparse, json, os, statistics, subprocess, sys, time


def run_measured(command, env=None, accepted=(0,)):
    """Like run, but also the child's peak resident memory (MiB), from wait4's rusage."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # Read stdout fully before reaping, so wait4 can report this child's own rusage.
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in accepted:
        sys.exit(f"failed ({process.returncode}): {' '.join(command[:6])} ...\n{err.decode()[-2000:]}")
    return out.decode(), usage.ru_maxrss / 1024, time.perf_counter() - start


def read_distances(path):
    rows = {}
    with open(path) as f:
        next(f)
        for line in f:
            a, b, same, d = line.rstrip("\n").split("\t")
            rows[(a, b)] = (same == "1", float(d))
    return rows


def best_accuracy(rows):
    scored = sorted(rows.values(), key=lambda r: r[1])
    genuine = sum(1 for same, _ in scored if same)
    impostor = len(scored) - genuine
    best, below_g, below_i = impostor / len(scored), 0, 0
    for i, (same, d) in enumerate(scored):
        below_g += same
        below_i += not same
        if i + 1 < len(scored) and scored[i + 1][1] == d:
            continue
        best = max(best, (below_g + impostor - below_i) / len(scored))
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fastcert", required=True)
    parser.add_argument("--peer-python", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--pairs")
    parser.add_argument("--out", required=True)
    parser.add_argument("--engine-args", default="", help="fastcert engine options, e.g. '--mirror --cnn-fallback'")
    args = parser.parse_args()
    engine = args.engine_args.split()
    pairs = args.pairs or os.path.join(args.root, "pairs.tsv")
    os.makedirs(args.out, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))

    results = {}
    for workers in (1, 2):
        distances = os.path.join(args.out, f"fastcert-w{workers}.tsv")
        out, rss, _ = run_measured([args.fastcert, "eval", "--pairs", pairs, "--root", args.root, "--workers", str(workers),
                                    "--json", "--distances", distances] + engine)
        results[workers] = dict(json.loads(out), rss=rss, distances=read_distances(distances))

    # Per-stage means, one worker, every distinct image once.
    with open(pairs) as f:
        header = f.readline().rstrip("\n").split("\t")
        ia, ib = header.index("path_a"), header.index("path_b")
        images = list(dict.fromkeys(p for line in f for p in (line.split("\t")[ia], line.split("\t")[ib].rstrip("\n"))))
    out, _, _ = run_measured([args.fastcert, "face", "analyze", "--workers", "1", "--json"] + engine + [os.path.join(args.root, p) for p in images],
                             accepted=(0, 3))  # 3: some image has no face, reported in its entry
    reports = [r for r in json.loads(out) if "timings" in r and r["timings"]]
    stages = {k: statistics.mean(r["timings"][k] for r in reports) for k in ("decode_ms", "detect_ms", "align_ms", "embed_ms", "total_ms")}

    peer_distances = os.path.join(args.out, "face_recognition.tsv")
    out, peer_rss, _ = run_measured([args.peer_python, os.path.join(here, "peer.py"), "--pairs", pairs, "--root", args.root,
                                     "--distances", peer_distances])
    peer = json.loads(out)
    peer_rows = read_distances(peer_distances)

    ours = results[1]["distances"]
    common = sorted(set(ours) & set(peer_rows))
    diffs = sorted(abs(ours[k][1] - peer_rows[k][1]) for k in common)
    ours_common = {k: ours[k] for k in common}
    peer_common = {k: peer_rows[k] for k in common}

    one, two = results[1], results[2]
    print(f"Images: {one['images']} ({args.root}); pairs: {one['pairs_listed']}\n")
    print("| | fastcert, 1 worker | fastcert, 2 workers | face_recognition 1.3.0 (1 thread) |")
    print("|---|---|---|---|")
    print(f"| end-to-end images/s | {one['images_per_second']:.1f} | {two['images_per_second']:.1f} | {peer['images_per_second']:.2f} |")
    print(f"| vs face_recognition | {one['images_per_second'] / peer['images_per_second']:.1f}x | "
          f"{two['images_per_second'] / peer['images_per_second']:.1f}x | 1x |")
    print(f"| images without a face | {one['no_face']} | {two['no_face']} | {peer['no_face']} |")
    print(f"| peak memory (MiB) | {one['rss']:.0f} | {two['rss']:.0f} | {peer_rss:.0f} |")
    print(f"| best accuracy, own scored pairs | {one['best_accuracy']:.4f} ({one['pairs']} pairs) | {two['best_accuracy']:.4f} | "
          f"{best_accuracy(peer_rows):.4f} ({len(peer_rows)} pairs) |")
    print(f"| best accuracy, pairs both scored | {best_accuracy(ours_common):.4f} | | {best_accuracy(peer_common):.4f} ({len(common)} pairs) |")
    print(f"| ROC AUC | {one['auc']:.4f} | {two['auc']:.4f} | |")
    print()
    print(f"Scaling 1 -> 2 workers: {two['images_per_second'] / one['images_per_second']:.2f}x")
    print(f"fastcert stage means (1 worker, ms/image): decode {stages['decode_ms']:.1f}, detect {stages['detect_ms']:.1f}, "
          f"align {stages['align_ms']:.1f}, embed {stages['embed_ms']:.1f}, total {stages['total_ms']:.1f}")
    print(f"face_recognition stage means (ms/image): load {peer['stage_ms']['load']:.1f}, "
          f"detect+landmarks+embed {peer['stage_ms']['locate_and_encode']:.1f}")
    if diffs:
        p95 = diffs[min(len(diffs) - 1, int(0.95 * len(diffs)))]
        over = sum(d > 0.03 for d in diffs)
        print(f"|distance(fastcert) - distance(face_recognition)| over {len(diffs)} pairs: mean {statistics.mean(diffs):.4f}, "
              f"p95 {p95:.4f}, max {diffs[-1]:.4f}; pairs over 0.03: {over}")
        worst = sorted(common, key=lambda k: -abs(ours[k][1] - peer_rows[k][1]))[:5]
        for k in worst:
            print(f"  {k[0]} ~ {k[1]}: fastcert {ours[k][1]:.4f}, face_recognition {peer_rows[k][1]:.4f}")
    same_embeddings = ours == {k: v for k, v in results[2]["distances"].items()}
    print(f"1-worker and 2-worker distances identical: {same_embeddings}")


if __name__ == "__main__":
    main()
