#!/usr/bin/env python3
"""Synthetic ledger data for the ledger benchmark: a unit tree, N persons with valid resident IDs,
and M evidence rows spread over persons, kinds and a year. Deterministic for a given seed."""
import argparse, json, os, random


def resident_id(region, birth, seq):
    body = f"{region}{birth}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = (12 - sum(int(a) * b for a, b in zip(body, weights)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--persons", type=int, default=200_000)
    p.add_argument("--evidence", type=int, default=500_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--evidence-seed", type=int, help="a second feed for the same persons (evidence-N.csv, ids N-...)")
    a = p.parse_args()
    r = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    communities = []
    with open(os.path.join(a.out, "units.csv"), "w") as f:
        f.write("code,name,level,parent_code\n3702,Qingdao,city,\n")
        for d in range(10):
            dc = f"3702{d:02d}"
            f.write(f"{dc},District {d},district,3702\n")
            for s in range(10):
                sc = f"{dc}{s:03d}"
                f.write(f"{sc},Street {d}-{s},street,{dc}\n")
                for c in range(10):
                    cc = f"{sc}{c:03d}"
                    communities.append(cc)
                    f.write(f"{cc},Community {d}-{s}-{c},community,{sc}\n")
    ids = []
    with open(os.path.join(a.out, "persons.csv"), "w") as f:
        f.write("resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile,enrolled_on\n")
        seen = set()
        while len(ids) < a.persons:
            y, m, d = r.randint(1926, 1966), r.randint(1, 12), r.randint(1, 28)
            region = f"3702{r.randint(0, 99):02d}"
            pid = resident_id(region, f"{y:04d}{m:02d}{d:02d}", r.randint(0, 999))
            if pid in seen:
                continue
            seen.add(pid)
            ids.append(pid)
            enrolled = f"2025-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
            f.write(f"{pid},Person {len(ids)},{y:04d}-{m:02d}-{d:02d},{r.choice(communities)},{r.randint(1, 5)},"
                    f"{r.randint(1500, 6000)}.00,139{r.randint(0, 99999999):08d},,{r.randint(0, 1)},0,{enrolled}\n")
    rules = json.load(open(os.path.join(os.path.dirname(__file__), "../../Sources/Ledger/Resources/ledger-rules.json")))
    reference = [k for k in rules["kinds"] if k["class"] == "reference"]
    strong = [k for k in rules["kinds"] if k["class"] == "strong"]
    name, prefix = "evidence.csv", "E"
    if a.evidence_seed is not None:
        r, name, prefix = random.Random(a.evidence_seed), f"evidence-{a.evidence_seed}.csv", f"{a.evidence_seed}-"
    with open(os.path.join(a.out, name), "w") as f:
        f.write("source,external_id,resident_id,kind,observed_at\n")
        for i in range(a.evidence):
            k = r.choice(strong) if r.random() < 0.05 else r.choice(reference)
            # Observed January to November 2026: all before the day the benchmark was set (rows from the future are refused).
            f.write(f"{k['source']},{prefix}{i},{r.choice(ids)},{k['kind']},2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}\n")


if __name__ == "__main__":
    main()
