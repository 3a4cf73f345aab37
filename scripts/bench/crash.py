#!/usr/bin/env python3
"""Crash safety under load: drives verifications and evidence batches against `fastcert serve`
(the release binary), SIGKILLs it at a random moment, restarts it, and after every kill checks
that each acknowledged write is in the database and `PRAGMA integrity_check` is ok.

Acknowledged: a verification answered 200 (its attempt row, and for `verified` its evidence
row, must exist); an evidence batch answered 200 (every row it did not refuse must exist);
a `fastcert evidence import` that printed its "committed" line (every row must exist).
Prints kills survived and acknowledged writes lost (target: 200 kills, 0 lost).

Usage: crash.py --binary PATH --photos DIR [--kills N] [--seed S]
"""
import argparse, datetime, json, os, random, signal, sqlite3, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request, uuid


def run(binary, args, env=None):
    """Runs a command; returns its standard output (a key's text is its first line)."""
    out = subprocess.run([binary] + args, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"crash: {' '.join(args[:2])} failed: {out.stderr.strip()[:400]}")
    return out.stdout


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
    for name, data in files:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"p.jpg\"\r\n"
                 "Content-Type: image/jpeg\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def post(url, key, content_type, body, extra=None, timeout=20):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": content_type}
    headers.update(extra or {})
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, None
    except Exception:
        return None, None  # the server died mid-request: not acknowledged


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--photos", required=True, help="folder with obama.jpg, obama2.jpg, biden.jpg (the test fixtures)")
    p.add_argument("--kills", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--persons", type=int, default=400)
    a = p.parse_args()
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="fastcert-crash-")
    db = os.path.join(work, "crash.sqlite")
    env = dict(os.environ, FASTCERT_ALLOW_MATCH_ONLY="true", FASTCERT_DAILY_SWEEP="false", FASTCERT_LOG_LEVEL="error")
    today = datetime.date.today().isoformat()

    # The ledger: a city, one community, persons, one enrolled; a kiosk, a mobile backend, a feed.
    units = "code,name,level,parent_code\n3702,Qingdao,city,\n370202,Shinan,district,3702\n" \
            "370202001,Street,street,370202\n370202001001,Community,community,370202001\n"
    open(os.path.join(work, "units.csv"), "w").write(units)
    ids = []
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for n in range(a.persons):
        first17 = f"3702021940{(n // 28) % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
        total = sum(int(c) * w for c, w in zip(first17, weights))
        ids.append(first17 + "10X98765432"[total % 11])
    persons = "resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n" + "".join(
        f"{i},P{n},1940-{i[10:12]}-{i[12:14]},370202001001,3,3000,,,0,0\n" for n, i in enumerate(ids))
    open(os.path.join(work, "persons.csv"), "w").write(persons)
    run(a.binary, ["units", "import", os.path.join(work, "units.csv"), "--database", db])
    run(a.binary, ["persons", "import", os.path.join(work, "persons.csv"), "--database", db])
    run(a.binary, ["enroll", "--consent-by", "person", ids[0], os.path.join(a.photos, "obama.jpg"), "--database", db, "--workers", "1"])
    kiosk = run(a.binary, ["keys", "create", "--role", "kiosk", "--unit", "370202", "--name", "k", "--database", db]).split()[0]
    mobile = run(a.binary, ["keys", "create", "--role", "mobile", "--unit", "370202", "--name", "m", "--database", db]).split()[0]
    feed = run(a.binary, ["keys", "create", "--role", "feed", "--unit", "3702", "--name", "f", "--sources",
                          "social_security_bureau", "--database", db]).split()[0]
    good = open(os.path.join(a.photos, "obama2.jpg"), "rb").read()
    bad = open(os.path.join(a.photos, "biden.jpg"), "rb").read()

    acknowledged = {"attempts": set(), "evidence": set(), "verified": set()}
    lock = threading.Lock()
    lost_total = 0
    counter = [0]

    def verifier(url, stop, impostor):
        while not stop.is_set():
            with lock:
                counter[0] += 1
                n = counter[0]
            ctype, body = multipart({"person_id": ids[0]}, [("photo", bad if impostor else good)])
            key, extra = (mobile, {"X-FastCert-Device": f"phone-{n}"}) if impostor else (kiosk, {"Idempotency-Key": f"v-{n}"})
            status, answer = post(url + "/v1/verifications", key, ctype, body, extra)
            if status == 200 and answer:
                with lock:
                    acknowledged["attempts"].add(answer["attempt_id"])
                    if answer.get("decision") == "verified":
                        acknowledged["verified"].add(answer["attempt_id"])

    def feeder(url, stop):
        while not stop.is_set():
            with lock:
                counter[0] += 1
                n = counter[0]
            rows = [{"source": "social_security_bureau", "external_id": f"E-{n}-{r}", "resident_id": rng.choice(ids[1:]),
                     "kind": "bureau_counter_confirmation", "observed_at": today} for r in range(rng.randint(1, 400))]
            status, answer = post(url + "/v1/evidence", feed, "application/json", json.dumps({"rows": rows}).encode())
            if status == 200 and answer:
                refused = {problem["row"] for problem in answer.get("refused", [])}
                with lock:
                    acknowledged["evidence"].update(row["external_id"] for i, row in enumerate(rows, 1) if i not in refused)

    def cli_import(stop):
        # The command line beside the service: a CSV import whose "committed" line acknowledges it.
        while not stop.is_set():
            with lock:
                counter[0] += 1
                n = counter[0]
            rows = [f"social_security_bureau,C-{n}-{r},{rng.choice(ids[1:])},bureau_counter_confirmation,{today}"
                    for r in range(rng.randint(1, 2000))]
            path = os.path.join(work, f"batch-{n}.csv")
            open(path, "w").write("source,external_id,resident_id,kind,observed_at\n" + "\n".join(rows) + "\n")
            out = subprocess.run([a.binary, "evidence", "import", path, "--database", db], capture_output=True, text=True)
            if out.returncode == 0 and "committed" in (out.stdout + out.stderr):
                with lock:
                    acknowledged["evidence"].update(row.split(",")[1] for row in rows)
            os.remove(path)

    kills = 0
    started = time.time()
    for round_ in range(a.kills):
        port = 20000 + rng.randint(0, 9999)
        server = subprocess.Popen([a.binary, "serve", "--database", db, "--port", str(port), "--workers", "1"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/readyz", timeout=1)
                break
            except Exception:
                if server.poll() is not None:
                    sys.exit(f"crash: the server did not start after kill {kills} (exit {server.returncode})")
                time.sleep(0.05)
        stop = threading.Event()
        threads = [threading.Thread(target=verifier, args=(url, stop, False)),
                   threading.Thread(target=verifier, args=(url, stop, True)),
                   threading.Thread(target=feeder, args=(url, stop)), threading.Thread(target=feeder, args=(url, stop)),
                   threading.Thread(target=cli_import, args=(stop,))]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.2, 2.5))
        server.send_signal(signal.SIGKILL)
        server.wait()
        kills += 1
        stop.set()
        for thread in threads:
            thread.join()
        # After each kill: the file is whole and every acknowledged write is in it.
        connection = sqlite3.connect(db)
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        attempts = {row[0] for row in connection.execute("SELECT id FROM verification_attempt")}
        evidence = {row[0] for row in connection.execute("SELECT external_id FROM evidence")}
        connection.close()
        with lock:
            lost = len(acknowledged["attempts"] - attempts) + len(acknowledged["evidence"] - evidence)
            lost += len({f"verification-{i}" for i in acknowledged["verified"]} - evidence)
        lost_total += lost
        if integrity != "ok" or lost:
            print(f"crash: after kill {kills}: integrity {integrity}, {lost} acknowledged write(s) lost")
        if kills % 20 == 0:
            print(f"crash: {kills} kills, {len(acknowledged['attempts'])} verifications and "
                  f"{len(acknowledged['evidence'])} evidence rows acknowledged, {lost_total} lost ({time.time() - started:.0f} s)",
                  flush=True)
    print(f"crash: {kills} kills survived; acknowledged: {len(acknowledged['attempts'])} verifications "
          f"({len(acknowledged['verified'])} verified), {len(acknowledged['evidence'])} evidence rows; "
          f"lost: {lost_total}; {time.time() - started:.0f} s; database {db}")
    sys.exit(1 if lost_total else 0)


if __name__ == "__main__":
    main()
