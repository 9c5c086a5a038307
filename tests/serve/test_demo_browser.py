"""The demo page in a real headless browser: Debian's chromium driven through its own chromedriver.

The W3C WebDriver protocol is a few JSON requests, spoken here with urllib (no selenium, no
download at run time). Without the browser the test skips with a reason, except under CI=true
(.ci/run installs it), where a missing browser is a failure. Screenshots go to tmp_path only.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

import uvicorn  # noqa: E402

from rnnlp.serve.app import create_app  # noqa: E402

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriver:
    """A W3C WebDriver session: just the calls this test needs."""

    def __init__(self, url: str):
        self.url = url
        caps = {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                         "--disable-dev-shm-usage", "--window-size=1100,1800"]}}
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

    def close(self) -> None:
        self.send("DELETE", f"/session/{self.session}")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium/chromedriver are missing (.ci/run installs them with apt-get)")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    port = free_port()
    proc = subprocess.Popen([DRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "chromedriver did not start"
                time.sleep(0.2)
        driver = WebDriver(f"http://127.0.0.1:{port}")
        yield driver
        driver.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def site(models):
    """The app under uvicorn on a thread of this process, on a free 127.0.0.1 port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(models), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def submit(driver: WebDriver, name: str, text: str | None = None, file=None) -> None:
    field = driver.find(f"#panel-{name} .input")
    if file is not None:
        driver.do("POST", f"/element/{field}/value", {"text": str(file)})
    else:
        driver.do("POST", f"/element/{field}/clear", {})
        driver.do("POST", f"/element/{field}/value", {"text": text})
    driver.do("POST", f"/element/{driver.find(f'#panel-{name} .run')}/click", {})
    state = driver.wait("const s = document.querySelector(arguments[0]).dataset.state;"
                        "return s === 'done' || s === 'error' ? s : null;", f"#result-{name}")
    assert state == "done", driver.run("return document.querySelector(arguments[0]).textContent", f"#result-{name}")


def texts(driver: WebDriver, css: str) -> list[str]:
    return driver.run("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", css)


def test_the_demo_page_runs_every_task_in_a_real_browser(browser, site, models, image_paths, tmp_path):
    browser.do("POST", "/url", {"url": site + "/"})
    browser.wait("return document.getElementById('models').dataset.state === 'ready'")
    submit(browser, "sentiment", "a gripping, funny film")
    [expected] = models["sentiment"].predict(["a gripping, funny film"])
    assert texts(browser, "#result-sentiment .label") == [str(expected["label"])]
    assert texts(browser, "#result-sentiment .bar .name") == list(expected["probabilities"])
    submit(browser, "tagging", "EU rejects German call")
    entities = models["tagging"].predict(["EU rejects German call"])[0]["entities"]
    assert texts(browser, "#result-tagging mark") == [e["text"] + e["type"] for e in entities]
    submit(browser, "translation", "ein hund")
    attention = models["translation"].attention("ein hund")
    assert texts(browser, "#result-translation .translation") == [attention["translation"]]
    assert len(texts(browser, "#result-translation table.heat tr")) == len(attention["target_tokens"]) + 1
    submit(browser, "lm", "the")
    assert len(texts(browser, "#result-lm .text")[0].split()) >= 10  # 60 streamed tokens, words joined by spaces
    submit(browser, "captioning", file=image_paths[0])
    assert texts(browser, "#result-captioning .caption") == models["captioning"].caption([image_paths[0]])
    shot = tmp_path / "demo.png"
    shot.write_bytes(base64.b64decode(browser.do("GET", "/screenshot")))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
