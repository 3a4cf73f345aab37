"""The two sighting thresholds from scored pairs (docs/sightings-thresholds.md).

  genuine  LFW_ROOT OUT.tsv       every same-person pair of a folder of people (lfw-devtrain: 2,209),
                                  as a pair list for `fastcert eval` / `fastcert calibrate`
  decide   DISTANCES.tsv [--quality ANALYZE.json] [--confirm-fmr 1e-4] [--other-fnmr 1e-3]
                                  DISTANCES from `fastcert eval --distances` (path_a, path_b, same,
                                  distance); ANALYZE the `fastcert face analyze --json` of the
                                  images (paths relative to the same root), for the quality gate.

`decide` prints, for `confirmed`, the largest distance whose false-match rate (impostor pairs at or
under it) is within --confirm-fmr, and for `other_face` the smallest distance beyond which no more
than --other-fnmr of the genuine pairs lie; the FMR and FNMR at both, with 95% Clopper-Pearson
intervals; and the same with the probe (path_b) through the quality gate. Pure Python (no numpy)."""
import argparse
import itertools
import json
import math
import os
import sys


def genuine(root, out):
    rows = []
    for person in sorted(os.listdir(root)):
        folder = os.path.join(root, person)
        if not os.path.isdir(folder):
            continue
        photos = sorted(p for p in os.listdir(folder) if p.lower().endswith((".jpg", ".jpeg", ".png")))
        rows += [f"{person}/{a}\t{person}/{b}\t1" for a, b in itertools.combinations(photos, 2)]
    with open(out, "w") as f:
        f.write("path_a\tpath_b\tsame\n" + "\n".join(rows) + "\n")
    print(f"{len(rows)} same-person pairs written to {out}")


def betacf(x, a, b):
    """Continued fraction of the incomplete beta function (Numerical Recipes, betacf)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1 + aa * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
    return h


def betainc(x, a, b):
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return front * betacf(x, a, b) / a
    return 1 - front * betacf(1 - x, b, a) / b


def beta_ppf(q, a, b):
    """The q-quantile of Beta(a, b), by bisection."""
    lo, hi = 0.0, 1.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if betainc(mid, a, b) < q else (lo, mid)
    return (lo + hi) / 2


def interval(k, n):
    """95% Clopper-Pearson interval of k in n."""
    if n == 0:
        return (0.0, 1.0)
    lower = 0.0 if k == 0 else beta_ppf(0.025, k, n - k + 1)
    upper = 1.0 if k == n else beta_ppf(0.975, k + 1, n - k)
    return lower, upper


def rate(k, n):
    lo, hi = interval(k, n)
    return f"{k / n:.5f} ({k} of {n}; 95% CI {lo:.5f}-{hi:.5f})" if n else "-"


def gate_of(args):
    return dict(min_inter_eye=args.min_inter_eye, min_sharpness=args.min_sharpness, max_yaw=args.max_yaw, max_roll=args.max_roll,
                min_brightness=45.0, max_brightness=225.0, min_contrast=12.0, one_face=args.one_face)


def passes(report, gate):
    if not report or report.get("error") or not report.get("faces"):
        return False
    if gate["one_face"] and report.get("faces_found", 1) > 1:
        return False
    q = report["faces"][0]["quality"]
    return (q["inter_eye_pixels"] >= gate["min_inter_eye"] and q["sharpness"] >= gate["min_sharpness"]
            and abs(q["yaw_degrees"]) <= gate["max_yaw"] and abs(q["roll_degrees"]) <= gate["max_roll"]
            and gate["min_brightness"] <= q["brightness"] <= gate["max_brightness"] and q["contrast"] >= gate["min_contrast"])


def decide(args):
    pairs = []
    with open(args.distances) as f:
        next(f)
        for line in f:
            a, b, same, d = line.rstrip("\n").split("\t")
            pairs.append((a, b, same == "1", float(d)))
    g = sorted(p[3] for p in pairs if p[2])
    i = sorted(p[3] for p in pairs if not p[2])
    # confirmed: at most floor(fmr * n) impostors at or under the threshold; the threshold halfway
    # below the next impostor (the largest value that keeps the count).
    allowed = int(math.floor(args.confirm_fmr * len(i) + 1e-9))
    confirm = i[allowed] - 1e-4 if allowed < len(i) else i[-1]
    if args.confirm is not None:
        confirm = args.confirm
    # other_face: at most floor(fnmr * n) genuine pairs beyond it.
    beyond = int(math.floor(args.other_fnmr * len(g) + 1e-9))
    other = g[len(g) - 1 - beyond] + 1e-4 if beyond < len(g) else g[0]
    if args.other is not None:
        other = args.other
    print(f"pairs scored: {len(g)} genuine, {len(i)} impostor")
    print(f"genuine distance: median {g[len(g) // 2]:.4f}, largest {g[-1]:.4f} (then {g[-2]:.4f}, {g[-3]:.4f})")
    print(f"impostor distance: smallest {i[0]:.4f} (then {i[1]:.4f}, {i[2]:.4f}), median {i[len(i) // 2]:.4f}")

    def table(label, keep):
        gs = [p[3] for p in pairs if p[2] and keep(p)]
        im = [p[3] for p in pairs if not p[2] and keep(p)]
        print(f"\n{label}: {len(gs)} genuine, {len(im)} impostor pairs")
        print(f"  confirmed  (distance <= {confirm:.4f}): FMR {rate(sum(d <= confirm for d in im), len(im))}")
        print(f"                                       FNMR {rate(sum(d > confirm for d in gs), len(gs))} (genuine not confirmed)")
        print(f"  other_face (distance >  {other:.4f}): genuine {rate(sum(d > other for d in gs), len(gs))} (a living person called another)")
        print(f"                                       impostor {rate(sum(d > other for d in im), len(im))} (another face caught)")
        print(f"  no_decision (between):               genuine {rate(sum(confirm < d <= other for d in gs), len(gs))}, "
              f"impostor {rate(sum(confirm < d <= other for d in im), len(im))}")
        return gs, im

    table("all pairs", lambda p: True)
    if args.quality:
        with open(args.quality) as f:
            reports = json.load(f)
        root = os.path.commonpath([r["path"] for r in reports]) if len(reports) > 1 else ""
        by_path = {os.path.relpath(r["path"], root): r for r in reports}
        gate = gate_of(args)
        good = {p for p, r in by_path.items() if passes(r, gate)}
        print(f"\nquality gate {gate}: {len(good)} of {len(by_path)} images pass")
        table("probe (path_b) through the gate", lambda p: p[1] in good)
        table("both photos through the gate", lambda p: p[0] in good and p[1] in good)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("genuine")
    g.add_argument("root")
    g.add_argument("out")
    d = sub.add_parser("decide")
    d.add_argument("distances")
    d.add_argument("--quality")
    d.add_argument("--confirm-fmr", type=float, default=1e-4)
    d.add_argument("--other-fnmr", type=float, default=1e-3)
    d.add_argument("--confirm", type=float, help="evaluate this confirmed threshold instead")
    d.add_argument("--other", type=float, help="evaluate this other_face threshold instead")
    d.add_argument("--min-inter-eye", type=float, default=30)
    d.add_argument("--min-sharpness", type=float, default=15)
    d.add_argument("--max-yaw", type=float, default=30)
    d.add_argument("--max-roll", type=float, default=30)
    d.add_argument("--one-face", action="store_true", help="the gate also asks for exactly one face in the photo")
    args = parser.parse_args()
    genuine(args.root, args.out) if args.command == "genuine" else decide(args)


if __name__ == "__main__":
    sys.exit(main())
