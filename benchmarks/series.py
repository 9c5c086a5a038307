"""ECG5000 series classification: rnnlp's RNN (3 seeds), beside the published deep models.

rnnlp: the recipe (default recipes/series/ecg5000.yaml) trains once per seed on the official
500 training beats, one CPU thread, for the recipe's epochs; the checkpoint kept (best/) is chosen
on a stratified fifth of the training file only, then scored once on the 4,500 test beats.
Reported: each seed's held-out and test accuracy and its training time, the median and range of
the test accuracy (the issue's goal: >= 0.945).

aeon's MiniRocket, which this script used to fit beside the RNN, moved to the peers harness
(issue 30): ``bash benchmarks/peers/setup.sh aeon && python benchmarks/peers/run.py ecg5000 --seeds 3``
fits it in its own environment on the same split and scores it on the same clock as the RNN
(``benchmarks/results/peers.md``, row ecg5000).

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


def report_text(args, runs: list[dict]) -> str:
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
    lines.append("| aeon MiniRocket | | | moved to benchmarks/results/peers.md (row ecg5000: same split, same clock); "
                 "its figures fitted here before: `git show 791fe5a:benchmarks/results/series.md` | |")
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
    parser.add_argument("--from-headlines", action="store_true",
                        help="Take the RNN's seeds from benchmarks/logs/headlines/ecg5000 (headlines.py ecg5000) "
                             "instead of training them again.")
    parser.add_argument("overrides", nargs="*", help="Recipe overrides (SECTION.FIELD=VALUE).")
    args = parser.parse_args(argv)
    report = Report(__file__, "Series classification: ECG5000", argv)
    folder = Path(args.data_root) / DATA
    test = str(folder / "ECG5000_TEST.tsv.gz")
    runs = from_headlines(args.seeds) if args.from_headlines else [train_seed(args, seed, test) for seed in args.seeds]
    print(report.write(report_text(args, runs), RESULTS / "series.md"))


if __name__ == "__main__":
    sys.exit(main())
