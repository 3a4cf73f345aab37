"""Load for scripts/bench/stats.sh: the console overview's requests, and a kiosk's person lookup
alone and beside eight overviews loading in a loop. Standard library only."""

import argparse
import http.client
import json
import statistics
import threading
import time


def get(port, path, key):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Bearer {key}"})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    return response.status, body, elapsed


def overview(port, key):
    """The page's requests for the overview: who am I, the units, then the one series request."""
    start = time.perf_counter()
    status, body, _ = get(port, "/v1/me", key)
    assert status == 200, body
    unit = json.loads(body)["unit_code"]
    status, body, _ = get(port, f"/v1/units?unit={unit}", key)
    assert status == 200, body
    status, body, _ = get(port, f"/v1/stats/series?unit={unit}&months=12", key)
    assert status == 200, body
    series = json.loads(body)
    assert len(series["series"]) == 12 and series["children"], series
    return time.perf_counter() - start


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ms(value):
    return f"{value * 1000:.1f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--city-key", required=True)
    parser.add_argument("--kiosk-key", required=True)
    parser.add_argument("--person", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()

    cold = overview(args.port, args.city_key)
    warm = [overview(args.port, args.city_key) for _ in range(20)]
    print("| measure | figure |")
    print("|---|---|")
    print(f"| console overview, first load (me + units + stats/series) | {ms(cold)} |")
    print(f"| console overview, warm, median / max of 20 | {ms(statistics.median(warm))} / {ms(max(warm))} |")

    def kiosk_lookups(duration):
        latencies = []
        end = time.perf_counter() + duration
        while time.perf_counter() < end:
            status, body, elapsed = get(args.port, f"/v1/persons/{args.person}", args.kiosk_key)
            assert status == 200, body
            latencies.append(elapsed)
            time.sleep(0.01)
        return latencies

    alone = kiosk_lookups(min(5, args.seconds))
    print(f"| kiosk GET /v1/persons/{{id}} alone, p50 / p95 ({len(alone)} lookups) | {ms(percentile(alone, 50))} / {ms(percentile(alone, 95))} |")

    stop = threading.Event()
    overviews, refused = [], []

    def loop():
        while not stop.is_set():
            try:
                overviews.append(overview(args.port, args.city_key))
            except AssertionError as error:
                refused.append(str(error)[:120])

    threads = [threading.Thread(target=loop) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    loaded = kiosk_lookups(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    print(
        f"| kiosk GET /v1/persons/{{id}} during 8 parallel overviews, p50 / p95 / max ({len(loaded)} lookups) | "
        f"{ms(percentile(loaded, 50))} / {ms(percentile(loaded, 95))} / {ms(max(loaded))} |")
    print(
        f"| overviews shown during that, p50 / p95 ({len(overviews)} overviews, {len(refused)} refused) | "
        f"{ms(percentile(overviews, 50))} / {ms(percentile(overviews, 95))} |")


if __name__ == "__main__":
    main()
