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


def test_a_bad_input_shows_the_servers_error(browser, site):
    browser.open_demo(site)
    assert browser.submit("sentiment", " ") == "error"
    assert browser.texts("#result-sentiment .error") == ["input: is empty"]
