"""ECG5000: the approaches tried towards issue 18's goal, each with the same seeds, side by side.

Every attempt is the ECG5000 recipe plus its overrides, trained once per seed exactly as
``benchmarks/series.py`` trains (one CPU thread, the recipe's time budget, best/ chosen on a
stratified fifth of the training file only, scored once on the 4,500 test beats). The table
gives each seed's test accuracy, the median (the goal: >= 0.945) and the median training time.

    RNNLP_DATA=../shared/data python benchmarks/series_attempts.py --seeds 0 1 2

Writes benchmarks/results/series_attempts.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from _results import RESULTS, Report
from series import DATA, ecg_arguments, train_seed

import rnnlp

# name -> recipe overrides; "recipe" is recipes/series/ecg5000.yaml as committed
ATTEMPTS = {
    "recipe (conv frames, BiGRU 64, mean pooling, EMA weights)": [],
    "attention pooling (head.pool=attention)": ["head.pool=attention"],
    "no weight averaging (train.ema=null)": ["train.ema=null"],
    "wider recurrent layer (encoder.hidden_size=128)": ["encoder.hidden_size=128"],
}


def run_attempt(args, name: str, overrides: list[str], test: str) -> dict:
    ns = argparse.Namespace(recipe=args.recipe, data_root=args.data_root, overrides=overrides,
                            runs=str(Path(args.runs) / ("-".join(o.split("=")[0] for o in overrides) or "recipe")))
    runs = [train_seed(ns, seed, test) for seed in args.seeds]
    return {"name": name, "overrides": overrides, "runs": runs,
            "median": statistics.median(r["test"] for r in runs),
            "seconds": statistics.median(r["seconds"] for r in runs)}


def run_ensemble(args, members: int, test: str) -> dict:
    """Per seed: ``members`` recipe models (seeds seed*100+i) trained one after another, their
    test probabilities averaged; the training time is the sum over the members."""
    runs = []
    for seed in args.seeds:
        start, total, found = time.perf_counter(), None, None
        for i in range(members):
            out = Path(args.runs) / f"ensemble{members}" / f"seed{seed}" / f"member{i}"
            rnnlp.api.train("series", args.recipe, [f"train.seed={seed * 100 + i}", f"train.output={out}",
                                                    "train.threads=1", f"data.root={args.data_root}"], overwrite=True)
            model = rnnlp.load(out)
            found = found or model.read(test, labelled=True)
            probs = model.predict_proba(found.values)
            total = probs if total is None else total + probs
        seconds = time.perf_counter() - start  # training, plus each member's pass over the test beats
        predicted = [str(model.labels[i]) for i in total.argmax(1)]
        runs.append({"seed": seed, "test": float(np.mean([p == str(g) for p, g in zip(predicted, found.labels)])),
                     "seconds": seconds})
    return {"name": f"ensemble of {members} recipe models (test probabilities averaged; time = all members)",
            "overrides": [], "runs": runs, "median": statistics.median(r["test"] for r in runs),
            "seconds": statistics.median(r["seconds"] for r in runs)}


def report_text(args, attempts: list[dict]) -> str:
    seeds = ", ".join(map(str, args.seeds))
    lines = [f"Data: ECG5000 (UCR 2018), 500 train / 4,500 test beats; each attempt is the recipe "
             f"`recipes/series/ecg5000.yaml` plus its overrides, seeds {seeds}, one CPU thread; best/ chosen on "
             "a stratified fifth of the training file only.", "",
             "| attempt | test accuracy per seed | median test accuracy | median training time (s) |",
             "|---|---|---|---|"]
    for a in attempts:
        per_seed = ", ".join(f"{r['test']:.4f}" for r in a["runs"])
        lines.append(f"| {a['name']} | {per_seed} | **{a['median']:.4f}** | {a['seconds']:.0f} |")
    best = max(attempts, key=lambda a: a["median"])
    lines += ["", f"Best median: {best['name']} at {best['median']:.4f}; goal (issue 18) >= 0.945 -> "
              f"{'met' if best['median'] >= 0.945 else 'not met'}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = ecg_arguments(__doc__.splitlines()[0], "runs/bench-series-attempts")
    parser.add_argument("--ensemble", type=int, nargs="*", default=[5],
                        help="Ensemble sizes to try (members trained one after another, all within the budget).")
    args = parser.parse_args(argv)
    report = Report(__file__, "Series classification: ECG5000 attempts", argv)
    test = str(Path(args.data_root) / DATA / "ECG5000_TEST.tsv.gz")
    attempts = [run_attempt(args, name, overrides, test) for name, overrides in ATTEMPTS.items()]
    attempts += [run_ensemble(args, members, test) for members in args.ensemble]
    print(report.write(report_text(args, attempts), RESULTS / "series_attempts.md"))


if __name__ == "__main__":
    sys.exit(main())
