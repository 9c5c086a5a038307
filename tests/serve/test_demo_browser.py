"""The demo page in a real headless browser: Debian's chromium driven through its own chromedriver
(``benchmarks/_webdriver.py``: W3C WebDriver over urllib, nothing downloaded at run time).

Without the browser the test skips with a reason, except under CI=true (.ci/run installs it),
where a missing browser is a failure. Screenshots go to tmp_path only.
"""

import base64
import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the 'serve' extra (pip install 'rnnlp[serve]') is not installed")

from rnnlp.serve.app import create_app  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import _webdriver  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    if not (_webdriver.CHROMIUM and _webdriver.DRIVER):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium/chromedriver are missing (.ci/run installs them with apt-get)")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    with _webdriver.chromedriver() as driver:
        yield driver


@pytest.fixture(scope="module")
def site(models):
    with _webdriver.serving(create_app(models)) as url:
        yield url


def test_the_demo_page_runs_every_task_in_a_real_browser(browser, site, models, image_paths, wav_paths, tmp_path):
    browser.open_demo(site)
    assert browser.texts("h1") == ["rnnlp serve: " + ", ".join(models)]  # the header names the models
    assert browser.submit("sentiment", "a gripping, funny film") == "done"
    [expected] = models["sentiment"].predict(["a gripping, funny film"])
    assert browser.texts("#result-sentiment .label") == [str(expected["label"])]
    assert browser.texts("#result-sentiment .bar .name") == list(expected["probabilities"])
    assert browser.submit("tagging", "EU rejects German call") == "done"
    entities = models["tagging"].predict(["EU rejects German call"])[0]["entities"]
    assert entities and browser.texts("#result-tagging mark") == [e["text"] + e["type"] for e in entities]
    assert browser.submit("translation", "ein hund") == "done"
    attention = models["translation"].attention("ein hund")
    assert browser.texts("#result-translation .translation") == [attention["translation"]]
    assert len(browser.texts("#result-translation table.heat tr")) == len(attention["target_tokens"]) + 1
    assert not any("\u2581" in t for t in browser.texts("#result-translation table.heat th"))  # no word-piece marks
    assert browser.submit("lm", "the") == "done"
    assert len(browser.texts("#result-lm .text")[0].split()) >= 10  # 60 streamed tokens, words spaced
    assert browser.submit("captioning", file=image_paths[0]) == "done"
    assert browser.texts("#result-captioning .caption") == models["captioning"].caption([image_paths[0]])
    assert browser.submit("recommender", "i30 i31 i32") == "done"
    [ranked] = models["recommender"].recommend(["i30 i31 i32"], top_k=10)
    assert browser.texts("#result-recommender li") == [f"{i} ({s:.3f})" for i, s in zip(ranked["items"], ranked["scores"])]
    wave = [round(float(x), 2) for x in np.sin(np.arange(30) / 2)]
    assert browser.submit("series", " ".join(map(str, wave))) == "done"
    [expected] = models["series"].predict([np.array(wave)])
    assert browser.texts("#result-series .label") == [str(expected["label"])]
    assert browser.texts("#result-series .bar .name") == list(expected["probabilities"])
    assert browser.submit("speech", file=wav_paths[0]) == "done"
    [heard] = models["speech"].transcribe(str(wav_paths[0]))
    assert browser.texts("#result-speech .transcript") == [heard["text"] or "(nothing heard)"]
    shot = tmp_path / "demo.png"
    shot.write_bytes(base64.b64decode(browser.do("GET", "/screenshot")))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_bad_input_shows_the_servers_error(browser, site, tmp_path):
    browser.open_demo(site)
    assert browser.submit("sentiment", " ") == "error"
    assert browser.texts("#result-sentiment .error") == ["input: is empty"]
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("not an image")
    assert browser.submit("captioning", file=not_an_image) == "error"
    assert browser.texts("#result-captioning .error") == ["input: is not an image PIL can read"]
    browser.wait("return document.querySelectorAll('#result-captioning img').length === 0")  # no broken icon


def test_a_stream_that_fails_mid_way_shows_its_error_on_the_page(browser, models, monkeypatch):
    """A step that fails after a few tokens ends that stream with an error event, which the page
    shows in place (never as finished text)."""
    model, calls = models["lm"], []
    real = type(model.decoder).step

    def failing(self, ids, state):
        calls.append(1)
        if len(calls) >= 5:  # fails again when the row is retried alone: its stream ends
            raise RuntimeError("step failed on purpose")
        return real(self, ids, state)

    with _webdriver.serving(create_app({"lm": model})) as url:
        browser.open_demo(url)
        monkeypatch.setattr(type(model.decoder), "step", failing)  # after the warm-up
        assert browser.submit("lm", "the") == "error"
        assert "step failed on purpose" in browser.texts("#result-lm .error")[0]


def test_an_allowed_origin_passes_the_preflight_with_an_api_key(browser, models):
    """A page of an allowed origin calls a server that needs an API key: the browser's CORS
    preflight (which carries no key) is answered, then the real request with the key succeeds;
    a page of another origin is refused."""
    from rnnlp.serve.app import Settings

    with _webdriver.serving(create_app({"sentiment": models["sentiment"]})) as page:
        origin = page  # the page's own origin, e.g. http://127.0.0.1:PORT
        settings = Settings(api_key="k", cors_origins=(origin,))
        with _webdriver.serving(create_app({"sentiment": models["sentiment"]}, settings)) as api, \
                _webdriver.serving(create_app({"sentiment": models["sentiment"]})) as other:
            call = ("window.result = null; fetch(arguments[0] + '/v1/models/sentiment/predict', {method: 'POST', "
                    "headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer k'}, "
                    "body: JSON.stringify({input: 'a fine film'})}).then(r => r.json()).then("
                    "j => window.result = JSON.stringify(j), e => window.result = 'failed: ' + e);")
            browser.open_demo(page)
            browser.run(call, api)
            found = browser.wait("return window.result")
            assert '"output"' in found, found
            browser.open_demo(other)  # another origin: refused (the browser sees a failed fetch)
            browser.run(call, api)
            assert browser.wait("return window.result").startswith("failed"), "another origin got through"
