"""ECG5000 series classification: rnnlp's RNN (3 seeds) beside aeon's MiniRocket, in one run.

rnnlp: the recipe (default recipes/series/ecg5000.yaml) trains once per seed on the official
500 training beats, one CPU thread, for the recipe's epochs; the checkpoint kept (best/) is chosen
on a stratified fifth of the training file only, then scored once on the 4,500 test beats.
Reported: each seed's held-out and test accuracy and its training time, the median and range of
the test accuracy (the issue's goal: >= 0.945).

MiniRocket (aeon, ``pip install -e .[bench]``): fitted on the same 500 beats, one thread (numba
compiles on the first fit: an untimed warm-up fit on a few series of each class comes first), three random states;
fit+predict time and test accuracy. Without aeon the table says so.

    RNNLP_DATA=../shared/data python benchmarks/series.py --seeds 0 1 2

Writes benchmarks/results/series.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from _results import RESULTS, ROOT, Report

import rnnlp

DATA = "timeseries_classification/ecg5000"
# Fawaz et al. 2019 (dl-4-tsc, mean of 5 runs) and Ismail Fawaz et al. 2020 (InceptionTime), as
# listed in the data folder's _about.txt: the deep models the issue compares against.
PUBLISHED = {"FCN": 0.9400, "ResNet": 0.9351, "Encoder": 0.9415, "InceptionTime": 0.9409}


def train_seed(args, seed: int, test: str | None) -> dict:
    """Train one seed; its held-out accuracy, and its test accuracy (best/ only) when ``test`` is given."""
    out = Path(args.runs) / f"seed{seed}"
    start = time.perf_counter()
    rnnlp.api.train("series", args.recipe, [f"train.seed={seed}", f"train.output={out}", "train.threads=1",
                                            f"data.root={args.data_root}", *args.overrides],
                    overwrite=True)  # a rerun replaces that seed's run
    seconds = time.perf_counter() - start
    model = rnnlp.load(out)
    return {"seed": seed, "dev": model.metrics.get("accuracy"),
            "test": model.evaluate(test)["accuracy"] if test else None, "seconds": seconds}


def from_headlines(seeds: list[int]) -> list[dict]:
    """The RNN rows of the seeds that ``benchmarks/headlines.py ecg5000`` trained and scored."""
    import json

    rows = []
    for seed in seeds:
        folder = ROOT / "benchmarks" / "logs" / "headlines" / "ecg5000" / f"seed{seed}"
        test = json.loads((folder / "test.json").read_text())
        meta = json.loads((folder / "meta.json").read_text())
        rows.append({"seed": seed, "dev": meta["metrics"]["accuracy"], "test": test["scores"]["accuracy"],
                     "seconds": test["train_seconds"]})
    return rows


def minirocket(train: str, test: str, seeds: list[int]) -> list[dict] | str:
    """aeon's MiniRocketClassifier on the same split, or why it did not run."""
    try:
        from aeon.classification.convolution_based import MiniRocketClassifier
    except ImportError as exc:
        return f"aeon not installed ({exc}); pip install -e .[bench]"
    x, y = _ucr(train)
    xt, yt = _ucr(test)
    few = np.concatenate([np.flatnonzero(y == c)[:4] for c in np.unique(y)])
    MiniRocketClassifier(random_state=0, n_jobs=1).fit(x[few], y[few]).predict(x[few])  # numba compiles here
    rows = []
    for seed in seeds:
        start = time.perf_counter()
        pred = MiniRocketClassifier(random_state=seed, n_jobs=1).fit(x, y).predict(xt)
        rows.append({"seed": seed, "test": float((pred == yt).mean()), "seconds": time.perf_counter() - start})
    return rows


def _ucr(path: str) -> tuple[np.ndarray, np.ndarray]:
    """N×1×T values and labels of a UCR file (aeon's layout: channels before time)."""
    data = np.loadtxt(path, delimiter="\t")
    return data[:, None, 1:], data[:, 0].astype(int)


def report_text(args, runs: list[dict], baseline) -> str:
    lines = [f"Data: ECG5000 (UCR 2018), 500 train / 4,500 test beats of length 140, 5 classes. rnnlp recipe "
             f"`{Path(args.recipe).relative_to(ROOT) if Path(args.recipe).is_absolute() else args.recipe}`"
             + (f" with `{' '.join(args.overrides)}`" if args.overrides else "") + "; one CPU thread each.", "",
             "| model | seed | held-out accuracy (1/5 of train) | test accuracy (best/, scored once) "
             "| time (s) |", "|---|---|---|---|---|"]
    lines += [f"| rnnlp series | {r['seed']} | {r['dev']:.4f} | {r['test']:.4f} | {r['seconds']:.0f} train |"
              for r in runs]
    tests = [r["test"] for r in runs]
    median = statistics.median(tests)
    lines.append(f"| **rnnlp series, median of {len(runs)}** | | | **{median:.4f}** (range {min(tests):.4f} - "
                 f"{max(tests):.4f}) | {statistics.median(r['seconds'] for r in runs):.0f} train |")
    if isinstance(baseline, str):
        lines.append(f"| aeon MiniRocket | | | not run: {baseline} | |")
    else:
        lines += [f"| aeon MiniRocket | {r['seed']} | | {r['test']:.4f} | {r['seconds']:.1f} fit+predict |"
                  for r in baseline]
        lines.append(f"| **aeon MiniRocket, median** | | | **{statistics.median(r['test'] for r in baseline):.4f}** | "
                     f"{statistics.median(r['seconds'] for r in baseline):.1f} fit+predict |")
    lines += [f"| published: {name} | | | {acc:.4f} | |" for name, acc in PUBLISHED.items()]
    lines += ["| published: LSTM-FCN, fair checkpoint (titu1994/LSTM-FCN results file) | | | 0.9433 | |"]
    lines += ["", f"Goal (issue 18): median test accuracy >= 0.945 -> {'met' if median >= 0.945 else 'not met'} "
              f"({median:.4f})."]
    return "\n".join(lines)


def ecg_arguments(description: str, runs: str) -> argparse.ArgumentParser:
    """The options every ECG5000 script shares: data root, recipe, seeds, run folder."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data-root", default=os.environ.get("RNNLP_DATA", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--recipe", default=str(ROOT / "recipes" / "series" / "ecg5000.yaml"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--runs", default=runs, help="Where the runs are written.")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = ecg_arguments(__doc__.splitlines()[0], "runs/bench-series")
    parser.add_argument("--no-baseline", action="store_true", help="Skip MiniRocket.")
    parser.add_argument("--from-headlines", action="store_true",
                        help="Take the RNN's seeds from benchmarks/logs/headlines/ecg5000 (headlines.py ecg5000) "
                             "instead of training them again.")
    parser.add_argument("overrides", nargs="*", help="Recipe overrides (SECTION.FIELD=VALUE).")
    args = parser.parse_args(argv)
    report = Report(__file__, "Series classification: ECG5000", argv)
    folder = Path(args.data_root) / DATA
    train, test = str(folder / "ECG5000_TRAIN.tsv.gz"), str(folder / "ECG5000_TEST.tsv.gz")
    runs = from_headlines(args.seeds) if args.from_headlines else [train_seed(args, seed, test) for seed in args.seeds]
    baseline = "--no-baseline given" if args.no_baseline else minirocket(train, test, args.seeds)
    print(report.write(report_text(args, runs, baseline), RESULTS / "series.md"))


if __name__ == "__main__":
    sys.exit(main())
