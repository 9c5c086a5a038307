"""Screenshots of every demo panel of ``rnnlp serve`` (the page at /), taken in headless chromium.

Serves one checkpoint per task (default: the tiny test checkpoints, and for the recommender and
series tasks, which have none, their tiny recipes trained for two steps in a temporary folder:
the panels working, not good output), fills each panel with an example, and saves the panel as
``benchmarks/results/serve/<task>.png``. Needs Debian's chromium and chromium-driver.

    python benchmarks/serve_demo.py [--run NAME=RUN ...]
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
from pathlib import Path

import torch
from _results import RESULTS, ROOT
from _webdriver import CHROMIUM, DRIVER, chromedriver, serving

import rnnlp
from rnnlp.io import atomic_write_bytes
from rnnlp.serve.app import create_app

TINY = ROOT / "tests" / "assets" / "checkpoints_v0_1"
IMAGE = sorted((ROOT / "tests" / "assets" / "captioning" / "images").iterdir())[0]
FILES = {"captioning": IMAGE, "speech": ROOT / "tests" / "assets" / "speech" / "fsdd" / "2_theo_0.wav"}
EXAMPLES = {"sentiment": "a gripping, funny film", "tagging": "EU rejects German call to boycott British lamb",
            "translation": "ein hund läuft im park", "lm": "the", "recommender": "i30 i31 i32",
            "series": "0 0.48 0.84 1 0.91 0.6 0.14 -0.35 -0.76 -0.98 -0.96 -0.71 -0.28 0.22 0.66 0.94"}
TRAINED = ("recommender", "series", "speech")  # no committed tiny checkpoint: trained for two steps


def default_runs(folder: Path) -> dict:
    runs = {t: str(TINY / t) for t in (*EXAMPLES, "captioning") if t not in TRAINED}
    for task in TRAINED:
        runs[task] = str(rnnlp.api.train(task, str(ROOT / "recipes" / task / "tiny.yaml"), [
            f"train.output={folder / task}", "train.threads=1", "train.max_steps=2", "train.epochs=1",
            "train.progress=false"]))
    return runs


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", default=[], metavar="NAME=RUN",
                        help="serve this run as NAME (default: each task's tiny test checkpoint)")
    args = parser.parse_args(argv)
    if not (CHROMIUM and DRIVER):
        raise SystemExit("serve_demo.py: needs chromium and chromedriver (apt-get install chromium chromium-driver)")
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        runs = dict(r.split("=", 1) for r in args.run) or default_runs(Path(folder))
        models = {name: rnnlp.load(path) for name, path in runs.items()}
    out = RESULTS / "serve"
    out.mkdir(parents=True, exist_ok=True)
    with serving(create_app(models)) as site, chromedriver() as browser:
        browser.open_demo(site)
        for name, model in models.items():
            state = browser.submit(name, file=FILES[model.task]) if model.task in FILES else \
                browser.submit(name, EXAMPLES.get(model.task, "an example"))
            # a panel below the fold comes out clipped at the window's edge: bring it to the top first
            browser.run("document.getElementById(arguments[0]).scrollIntoView()", f"panel-{name}")
            png = base64.b64decode(browser.do("GET", f"/element/{browser.find(f'#panel-{name}')}/screenshot"))
            atomic_write_bytes(out / f"{model.task}.png", png)
            print(f"{model.task}: {state}, {out / f'{model.task}.png'} ({len(png):,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
