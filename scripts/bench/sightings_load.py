"""Load for POST /v1/sightings: N cameras (threads, each its own camera key, one keep-alive
connection) send sightings back to back for a number of seconds, each a capture id never sent
before and stills of the card holder (genuine) or, for --impostor-share of them, of someone else.
Every request body is built before the clock starts. Prints one line

  SIGHTINGS sent=.. decided=.. per_second=.. p50_ms=.. p95_ms=.. max_ms=.. failures=.. exhausted=..
            confirmed=.. other_face=.. no_decision=.. example=...

and exits 1 when any answer was not a 2xx whose JSON carries an `outcome` (failures counts them:
non-2xx, error bodies, unreadable JSON, socket errors). With --batch K the same sightings go K to a
request to --batch-path (the gateway's form: NDJSON, one sighting a line, the stills in base64; the
answer's `results` one a line, each with an `outcome` or an `error`, every error a failure), and
per_second still counts sightings."""
import argparse
import base64
import csv
import datetime
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

BOUNDARY = "fastcert-sightings-boundary"


def part(name, value):
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").encode()


def file_part(name, filename, data):
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode()
    return head + data + b"\r\n"


def sighting_parts(person, capture, captured_at, stills, prefix=""):
    body = part(prefix + "person_id", person) + part(prefix + "capture_id", capture) + part(prefix + "captured_at", captured_at)
    for i, data in enumerate(stills):
        body += file_part(prefix + "still", f"still{i}.jpg", data)
    return body


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True, help="http://127.0.0.1:PORT")
    p.add_argument("--keys", required=True, help="camera keys, comma-separated: one a thread")
    p.add_argument("--stills", required=True, help="stills.tsv from sightings_data.py")
    p.add_argument("--not-enrolled", help="the enrollment report: persons in it are not sighted")
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--impostor-share", type=float, default=0.2)
    p.add_argument("--stills-per-sighting", type=int, default=1)
    p.add_argument("--run", required=True, help="a tag making this run's capture ids unique")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rate", type=float, default=120, help="sightings a second to prepare bodies for (at most)")
    p.add_argument("--hard-stills", help="stills HOG alone finds no face in (one path a line, relative to --data)")
    p.add_argument("--hard-share", type=float, default=0, help="share of sightings whose still is one of --hard-stills")
    p.add_argument("--data", default=".", help="the folder --hard-stills paths are relative to")
    p.add_argument("--batch", type=int, default=0, help="sightings a request, to --batch-path")
    p.add_argument("--batch-path", default="/v1/sightings/batch")
    args = p.parse_args()
    keys = [k for k in args.keys.split(",") if k]
    rng = random.Random(args.seed)

    refused = set()
    if args.not_enrolled:
        with open(args.not_enrolled) as f:
            for row in csv.DictReader(f):
                refused.add(row.get("person_id") or next(iter(row.values())))
    rows = []
    with open(args.stills) as f:
        for line in f:
            person, path, folder = line.rstrip("\n").split("\t")
            if person not in refused:
                rows.append((person, path, folder))
    if not rows:
        sys.exit("sightings_load: no enrolled person has a still")
    persons = sorted({r[0] for r in rows})
    rng.shuffle(rows)
    cache = {}

    def read(path):
        if path not in cache:
            with open(path, "rb") as f:
                cache[path] = f.read()
        return cache[path]

    per_thread = int(args.rate * args.seconds / len(keys)) + 2
    captured_at = (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))) - datetime.timedelta(minutes=5)).isoformat(
        timespec="seconds")
    # Each sighting: the card holder's resident ID, and a still of them, or of another person.
    sightings = []
    index = 0
    for n in range(per_thread * len(keys) * max(1, args.batch)):
        person, path, folder = rows[index % len(rows)]
        index += 1
        if rng.random() < args.impostor_share:
            claimed = rng.choice(persons)
            while claimed == person:
                claimed = rng.choice(persons)
            person = claimed
        stills = [read(path)]
        while len(stills) < args.stills_per_sighting:
            stills.append(read(rows[index % len(rows)][1]))
            index += 1
        sightings.append((person, f"{args.run}-{n}", stills))
    cycled = index > len(rows)
    # A share of captures HOG alone finds no face in (a head bowed at the counter, a face half out of
    # the frame): the cost of the CNN fallback is theirs. Each claims a random enrolled person.
    if args.hard_share > 0:
        with open(args.hard_stills) as f:
            hard = [line.strip() for line in f if line.strip()]
        for n in range(len(sightings)):
            if rng.random() < args.hard_share:
                person, capture, _ = sightings[n]
                sightings[n] = (person, capture, [read(f"{args.data}/{rng.choice(hard)}")])

    def bodies_for(thread):
        mine = sightings[thread::len(keys)]
        if args.batch:
            out = []
            for i in range(0, len(mine) - args.batch + 1, args.batch):
                group = mine[i: i + args.batch]
                lines = [json.dumps({"person_id": s[0], "capture_id": s[1], "captured_at": captured_at,
                                     "stills": [base64.b64encode(d).decode() for d in s[2]]}) for s in group]
                out.append((len(group), ("\n".join(lines) + "\n").encode()))
            return out
        return [(1, sighting_parts(s[0], s[1], captured_at, s[2]) + f"--{BOUNDARY}--\r\n".encode()) for s in mine]

    prepared = [bodies_for(t) for t in range(len(keys))]
    url = urllib.parse.urlparse(args.url)
    path = args.batch_path if args.batch else "/v1/sightings"
    lock = threading.Lock()
    latencies, outcomes = [], {}
    state = {"failures": 0, "decided": 0, "sent": 0, "exhausted": 0, "example": ""}

    def fail(text):
        with lock:
            state["failures"] += 1
            state["example"] = state["example"] or text[:300].replace("\n", " ")

    def camera(thread, deadline):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        headers = {"Authorization": f"Bearer {keys[thread]}",
                   "Content-Type": "application/x-ndjson" if args.batch else f"multipart/form-data; boundary={BOUNDARY}"}
        for count, body in prepared[thread]:
            if time.monotonic() >= deadline:
                return
            started = time.monotonic()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                status = response.status
            except Exception as error:  # a socket error is a failure too, loudly
                fail(f"socket: {error!r}")
                connection.close()
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                continue
            elapsed = (time.monotonic() - started) * 1000
            with lock:
                state["sent"] += count
            if not 200 <= status <= 299:
                fail(f"{status} {text}")
                continue
            try:
                answer = json.loads(text)
            except ValueError:
                fail(f"{status} not JSON: {text}")
                continue
            answers = answer.get("results") if args.batch and isinstance(answer, dict) else [answer]
            if not isinstance(answers, list) or len(answers) != count:
                fail(f"{status} expected {count} answers: {text}")
                continue
            for one in answers:
                outcome = one.get("outcome") if isinstance(one, dict) else None
                if outcome is None:
                    fail(f"{status} no outcome: {json.dumps(one)}")
                    continue
                with lock:
                    state["decided"] += 1
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
            with lock:
                latencies.append(elapsed)
        with lock:
            state["exhausted"] += 1

    start = time.monotonic()
    deadline = start + args.seconds
    threads = [threading.Thread(target=camera, args=(t, deadline)) for t in range(len(keys))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    latencies.sort()

    def pct(q):
        return f"{latencies[min(len(latencies) - 1, int(q * len(latencies)))]:.0f}" if latencies else "-"

    print(f"SIGHTINGS sent={state['sent']} decided={state['decided']} per_second={state['decided'] / wall:.1f} "
          f"p50_ms={pct(0.50)} p95_ms={pct(0.95)} max_ms={latencies[-1] if latencies else 0:.0f} failures={state['failures']} "
          f"exhausted={state['exhausted']} stills_reused={int(cycled)} "
          + " ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
          + f" example={state['example'] or '-'}")
    sys.exit(1 if state["failures"] or not state["decided"] else 0)


if __name__ == "__main__":
    main()
