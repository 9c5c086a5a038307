"""A headless chromium driven through its own chromedriver, over the W3C WebDriver protocol.

The protocol is a few JSON requests, spoken here with urllib: no selenium and no download at
run time (Debian: ``apt-get install chromium chromium-driver``). Used by
``benchmarks/serve_demo.py`` and ``tests/serve/test_demo_browser.py``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriver:
    """A W3C WebDriver session: just the calls the demo checks need."""

    def __init__(self, url: str, width: int = 1100, height: int = 1800):
        self.url = url
        caps = {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                         "--disable-dev-shm-usage", f"--window-size={width},{height}"]}}
        self.session = self.send("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]

    def send(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as r:
            return json.loads(r.read())["value"]

    def do(self, method: str, path: str, body=None):
        return self.send(method, f"/session/{self.session}{path}", body)

    def find(self, css: str) -> str:
        return self.do("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def run(self, script: str, *args):
        return self.do("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script: str, *args, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if value := self.run(script, *args):
                return value
            time.sleep(0.1)
        raise AssertionError(f"the page never satisfied: {script}")

    def texts(self, css: str) -> list[str]:
        return self.run("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", css)

    def open_demo(self, site: str) -> None:
        self.do("POST", "/url", {"url": site + "/"})
        self.wait("return document.getElementById('models').dataset.state === 'ready'")

    def submit(self, name: str, text: str | None = None, file=None) -> str:
        """Fill the panel of model ``name`` (text, or a file to upload), run it, wait for the
        result; returns the result's state ("done" or "error")."""
        field = self.find(f"#panel-{name} .input")
        if file is None:
            self.do("POST", f"/element/{field}/clear", {})
        self.do("POST", f"/element/{field}/value", {"text": str(file if file is not None else text)})
        self.do("POST", f"/element/{self.find(f'#panel-{name} .run')}/click", {})
        return self.wait("const s = document.querySelector(arguments[0]).dataset.state;"
                         "return s === 'done' || s === 'error' ? s : null;", f"#result-{name}")

    def close(self) -> None:
        self.send("DELETE", f"/session/{self.session}")


@contextmanager
def chromedriver():
    """A WebDriver session on a chromedriver of its own (stopped on exit)."""
    port = free_port()
    proc = subprocess.Popen([DRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("chromedriver did not start within 30 s") from None
                time.sleep(0.2)
        driver = WebDriver(f"http://127.0.0.1:{port}")
        try:
            yield driver
        finally:
            driver.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def serving(app):
    """``app`` under uvicorn on a thread of this process, on a free 127.0.0.1 port; yields its URL."""
    import threading

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server stopped while starting")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
