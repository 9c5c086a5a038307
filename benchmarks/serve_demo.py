"""Screenshots of every demo panel of ``rnnlp serve`` (the page at /), taken in headless chromium.

Serves one checkpoint per task (default: the tiny test checkpoints, which show the panels
working, not good output), fills each panel with an example, and saves the panel as
``benchmarks/results/serve/<task>.png``. Needs Debian's chromium and chromium-driver.

    python benchmarks/serve_demo.py [--run NAME=RUN ...]
"""

from __future__ import annotations

import argparse
import base64
import sys

import torch
from _results import RESULTS, ROOT
from _webdriver import CHROMIUM, DRIVER, chromedriver, serving

import rnnlp
from rnnlp.io import atomic_write_bytes
from rnnlp.serve.app import create_app

TINY = ROOT / "tests" / "assets" / "checkpoints_v0_1"
IMAGE = sorted((ROOT / "tests" / "assets" / "captioning" / "images").iterdir())[0]
EXAMPLES = {"sentiment": "a gripping, funny film", "tagging": "EU rejects German call to boycott British lamb",
            "translation": "ein hund läuft im park", "lm": "the"}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", default=[], metavar="NAME=RUN",
                        help="serve this run as NAME (default: each task's tiny test checkpoint)")
    args = parser.parse_args(argv)
    if not (CHROMIUM and DRIVER):
        raise SystemExit("serve_demo.py: needs chromium and chromedriver (apt-get install chromium chromium-driver)")
    torch.set_num_threads(1)
    runs = dict(r.split("=", 1) for r in args.run) or {t: str(TINY / t) for t in (*EXAMPLES, "captioning")}
    models = {name: rnnlp.load(path) for name, path in runs.items()}
    out = RESULTS / "serve"
    out.mkdir(parents=True, exist_ok=True)
    with serving(create_app(models)) as site, chromedriver() as browser:
        browser.open_demo(site)
        for name, model in models.items():
            state = browser.submit(name, file=IMAGE) if model.task == "captioning" else \
                browser.submit(name, EXAMPLES.get(model.task, "an example"))
            png = base64.b64decode(browser.do("GET", f"/element/{browser.find(f'#panel-{name}')}/screenshot"))
            atomic_write_bytes(out / f"{model.task}.png", png)
            print(f"{model.task}: {state}, {out / f'{model.task}.png'} ({len(png):,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
