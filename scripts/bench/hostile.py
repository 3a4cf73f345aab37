#!/usr/bin/env python3
"""Replays the anonymous attacks of issue 27 against a running service and prints what they did.

The attackers connect from 127.0.0.3 (loopback's 127.0.0.1 and ::1 are a reverse proxy's by
default, exempt from the per-address share), the probes from 127.0.0.2.

1. Memory: N connections each announce a 10 MB body to GET /healthz, send 9 MB of it and hold the
   connection open; the service's resident memory before, while held, and after they close.
2. Slowloris: S sockets each send only the start of a request head and reconnect whenever closed;
   meanwhile P probes from another loopback address (127.0.0.2) ask GET /healthz with a 5-second
   timeout. Every probe must be answered.

Usage: scripts/bench/hostile.py PORT PID [--connections 100] [--sockets 530] [--probes 10]
Exits non-zero when a probe fails or memory grew by more than 200 MB while the bodies were held.
Loopback only; every loop is bounded in count and time.
"""
import argparse
import socket
import sys
import threading
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_attack(port, pid, connections):
    before = rss_mb(pid)
    chunk = b"a" * (1 << 20)
    answers = []

    def one():
        s = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=("127.0.0.3", 0))
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n")
            for _ in range(9):
                s.sendall(chunk)
            s.settimeout(5)
            try:
                answers.append(s.recv(200).split(b"\r\n", 1)[0].decode(errors="replace"))
            except OSError:
                answers.append("no answer")
            time.sleep(3)  # held open
        except OSError as error:
            answers.append(f"closed ({error.__class__.__name__})")
        finally:
            s.close()

    threads = [threading.Thread(target=one) for _ in range(connections)]
    for t in threads:
        t.start()
    time.sleep(2)
    held = rss_mb(pid)
    for t in threads:
        t.join(60)
    time.sleep(2)
    after = rss_mb(pid)
    statuses = {}
    for a in answers:
        statuses[a] = statuses.get(a, 0) + 1
    print(f"memory: {connections} connections x 9 MB to /healthz: RSS {before:.0f} MB before, {held:.0f} MB while held, "
          f"{after:.0f} MB after; answers {statuses}")
    return held - before


def slowloris(port, sockets, probes):
    stop = time.monotonic() + 5 * probes + 10
    reconnects = [0]

    def attacker():
        while time.monotonic() < stop:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=("127.0.0.3", 0))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                s.settimeout(max(0.1, stop - time.monotonic()))
                try:
                    s.recv(1)  # until the server closes it
                except OSError:
                    pass
                s.close()
                reconnects[0] += 1
            except OSError:
                time.sleep(0.05)

    threads = [threading.Thread(target=attacker, daemon=True) for _ in range(sockets)]
    for t in threads:
        t.start()
    time.sleep(3)
    answered = 0
    latencies = []
    for _ in range(probes):
        started = time.monotonic()
        try:
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if s.recv(100).startswith(b"HTTP/1.1 200"):
                answered += 1
                latencies.append((time.monotonic() - started) * 1000)
            s.close()
        except OSError:
            pass
        time.sleep(max(0, 1 - (time.monotonic() - started)))
    print(f"slowloris: {sockets} sockets trickling heads ({reconnects[0]} reconnections): {answered} of {probes} probes "
          f"from 127.0.0.2 answered within 5 s" + (f", slowest {max(latencies):.0f} ms" if latencies else ""))
    return answered == probes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("pid", type=int)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--sockets", type=int, default=530)
    parser.add_argument("--probes", type=int, default=10)
    args = parser.parse_args()
    grew = memory_attack(args.port, args.pid, args.connections)
    served = slowloris(args.port, args.sockets, args.probes)
    if grew > 200 or not served:
        print("FAILED: the service held the bodies or left probes unanswered", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
