#!/usr/bin/env python3
"""Screenshots of the console and the kiosk page at phone and desktop sizes (not committed).

Usage: scripts/screenshots.py [OUT_DIR]   (default .build/screenshots)

Builds nothing: runs the newer of .build/release/fastcert and .build/debug/fastcert `demo` into a temporary
database, serves it, and drives Debian's chromium through chromedriver (WebDriver, Python's
standard library only). Needs `apt-get install chromium chromium-driver` (scripts/setup.sh) and,
for the Chinese text to show, `apt-get install fonts-noto-cjk`; the kiosk screens need the test photos
(Tests/Fixtures/fetch.sh).
"""
import base64
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = {"phone": (390, 844), "desktop": (1366, 900)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


class WebDriver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN",
                     "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.load(response)["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def run(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.run(script):
                return
            time.sleep(0.2)
        raise SystemExit(f"timed out waiting for: {script}")

    def size(self, width, height):
        self.s("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path):
        # The whole page, not just the window: Chromium's full-page capture through the DevTools command.
        metrics = self.s("POST", "/goog/cdp/execute", {"cmd": "Page.getLayoutMetrics", "params": {}})
        content = metrics["cssContentSize"]
        shot = self.s("POST", "/goog/cdp/execute", {"cmd": "Page.captureScreenshot", "params": {
            "captureBeyondViewport": True, "clip": {"x": 0, "y": 0, "width": content["width"],
                                                    "height": min(content["height"], 6000), "scale": 1}}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def quit(self):
        self.call("DELETE", f"/session/{self.session}")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "screenshots")
    os.makedirs(out, exist_ok=True)
    builds = [p for p in (os.path.join(ROOT, ".build", c, "fastcert") for c in ("release", "debug")) if os.path.exists(p)]
    binary = max(builds, key=os.path.getmtime)  # the newer build
    work = tempfile.mkdtemp(prefix="fastcert-shots-")
    db = os.path.join(work, "demo.sqlite")
    demo = subprocess.run([binary, "demo", "--database", db, "--persons", "1500"], check=True, capture_output=True, text=True)
    key = demo.stdout.strip().splitlines()[-1]
    kiosk_key = next(line.split()[-1] for line in demo.stderr.splitlines() if line.strip().startswith("kiosk,"))
    # One pensioner of the kiosk's district enrolled with a fixture photo, so the kiosk can start a session.
    with sqlite3.connect(db) as connection:
        resident = connection.execute(
            "SELECT id FROM person WHERE unit_code LIKE '370202%' AND status = 'active' ORDER BY id LIMIT 1").fetchone()[0]
    photo = os.path.join(ROOT, "Tests", "Fixtures", "images", "obama.jpg")
    subprocess.run([binary, "enroll", "--consent-by", "person", resident, photo, "--database", db], check=True, capture_output=True, cwd=ROOT)
    port, driver_port = free_port(), free_port()
    env = dict(os.environ, FASTCERT_DAILY_SWEEP="false")
    server = subprocess.Popen([binary, "serve", "--database", db, "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = subprocess.Popen(["chromedriver", f"--port={driver_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        wait_http(f"http://127.0.0.1:{driver_port}/status")
        wd = WebDriver(driver_port)
        base = f"http://127.0.0.1:{port}"
        for size_name, (w, h) in SIZES.items():
            wd.size(w, h)
            wd.go(base + "/console/")
            wd.run("sessionStorage.setItem('fastcert.key', arguments[0]); location.reload();", key)
            wd.wait("return document.getElementById('figures') !== null")
            wd.wait("return document.querySelectorAll('#main svg').length >= 2")
            wd.screenshot(os.path.join(out, f"console-overview-{size_name}.png"))
            for page, ready in [("work", "document.querySelector('[data-task]')"), ("decisions", "document.querySelector('#main table')"),
                                ("money", "document.querySelector('#main table')")]:
                wd.go(base + f"/console/#{page}")
                wd.wait(f"return {ready} !== null")
                wd.screenshot(os.path.join(out, f"console-{page}-{size_name}.png"))
            person = wd.run("return document.querySelector('#main a[href^=\"#person\"]').getAttribute('href')")
            wd.go(base + "/console/" + person)
            wd.wait("return document.getElementById('timeline') !== null")
            wd.screenshot(os.path.join(out, f"console-person-{size_name}.png"))
            wd.go(base + "/console/#enroll")
            wd.wait("return document.getElementById('enroll-photos') !== null")
            wd.screenshot(os.path.join(out, f"console-enroll-{size_name}.png"))
            wd.go(base + "/kiosk/")
            wd.run("sessionStorage.removeItem('fastcert.kiosk-key'); location.reload();")
            wd.wait("return !document.getElementById('setup').hidden")
            wd.screenshot(os.path.join(out, f"kiosk-setup-{size_name}.png"))
            wd.run("sessionStorage.setItem('fastcert.kiosk-key', arguments[0]); location.reload();", kiosk_key)
            wd.wait("return !document.getElementById('identify').hidden")
            wd.run("document.getElementById('resident').value = '370202190001010000';"
                   "document.querySelector('#identify-form button').click();")
            wd.wait("return document.getElementById('identify-error').textContent !== ''")
            wd.screenshot(os.path.join(out, f"kiosk-unknown-id-{size_name}.png"))
            # Chromium's own fake camera (no face in it): the prompts, then the outcome asking to retry.
            wd.run("document.getElementById('resident').value = arguments[0];"
                   "document.querySelector('#identify-form button').click();", resident)
            wd.wait("return !document.getElementById('capture').hidden && !document.getElementById('begin').hidden")
            wd.run("document.getElementById('begin').click();")
            wd.wait("return document.getElementById('prompt').dataset.challenge !== undefined")
            time.sleep(1)
            wd.screenshot(os.path.join(out, f"kiosk-prompt-{size_name}.png"))
            wd.wait("return !document.getElementById('result').hidden", seconds=60)
            wd.screenshot(os.path.join(out, f"kiosk-result-{size_name}.png"))
        wd.quit()
        print("\n".join(sorted(os.path.join(out, f) for f in os.listdir(out))))
    finally:
        server.terminate()
        driver.terminate()


if __name__ == "__main__":
    main()
