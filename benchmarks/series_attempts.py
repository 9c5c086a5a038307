"""ECG5000: the approaches tried towards issue 18's goal, each with the same seeds, chosen on validation.

Every attempt is the ECG5000 recipe plus its overrides, trained once per seed exactly as
``benchmarks/series.py`` trains (one CPU thread, the recipe's steps, best/ chosen on a stratified
fifth of the training file). The attempts are compared on that held-out fifth only (median over
the seeds); the test beats are scored once, for the chosen attempt only. Ensembles are not among
the attempts: their held-out figure would need the members' held-out probabilities, which the
runs do not keep.

    RNNLP_DATA=../shared/data python benchmarks/series_attempts.py --seeds 0 1 2

Writes benchmarks/results/series_attempts.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

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


def run_attempt(args, name: str, overrides: list[str]) -> dict:
    ns = argparse.Namespace(recipe=args.recipe, data_root=args.data_root, overrides=overrides,
                            runs=str(Path(args.runs) / ("-".join(o.split("=")[0] for o in overrides) or "recipe")))
    runs = [train_seed(ns, seed, None) for seed in args.seeds]
    return {"name": name, "overrides": overrides, "runs": runs, "folder": ns.runs,
            "median": statistics.median(r["dev"] for r in runs),
            "seconds": statistics.median(r["seconds"] for r in runs)}


def report_text(args, attempts: list[dict], chosen: dict, tests: list[float]) -> str:
    seeds = ", ".join(map(str, args.seeds))
    lines = [f"Data: ECG5000 (UCR 2018), 500 train / 4,500 test beats; each attempt is the recipe "
             f"`recipes/series/ecg5000.yaml` plus its overrides, seeds {seeds}, one CPU thread; best/ chosen on "
             "a stratified fifth of the training file (100 beats), and the attempts compared on it too.", "",
             "| attempt | held-out accuracy per seed | median held-out accuracy | median training time (s) |",
             "|---|---|---|---|"]
    for a in attempts:
        per_seed = ", ".join(f"{r['dev']:.4f}" for r in a["runs"])
        lines.append(f"| {a['name']} | {per_seed} | **{a['median']:.4f}** | {a['seconds']:.0f} |")
    lines += ["", f"Chosen on the held-out fifth: {chosen['name']} ({chosen['median']:.4f}). Its test accuracy, "
              f"scored once per seed: {', '.join(f'{t:.4f}' for t in tests)}; median **{statistics.median(tests):.4f}** "
              f"(range {min(tests):.4f} - {max(tests):.4f}); goal (issue 18) >= 0.945 -> "
              f"{'met' if statistics.median(tests) >= 0.945 else 'not met'}. No other attempt saw the test beats."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = ecg_arguments(__doc__.splitlines()[0], "runs/bench-series-attempts")
    args = parser.parse_args(argv)
    report = Report(__file__, "Series classification: ECG5000 attempts", argv)
    test = str(Path(args.data_root) / DATA / "ECG5000_TEST.tsv.gz")
    attempts = [run_attempt(args, name, overrides) for name, overrides in ATTEMPTS.items()]
    chosen = max(attempts, key=lambda a: a["median"])  # validation only
    tests = [rnnlp.load(Path(chosen["folder"]) / f"seed{seed}").evaluate(test)["accuracy"] for seed in args.seeds]
    print(report.write(report_text(args, attempts, chosen, tests), RESULTS / "series_attempts.md"))


if __name__ == "__main__":
    sys.exit(main())
