"""Hold-out comparison of the classical forecasters and the RNNs on the bundled samples.

    python benchmarks/forecast_compare.py [--seeds 3] [--threads 1] [--out benchmarks/results/forecasting.md]

Nile (last 12 of 100 years held out) and sunspots (last 20 of 309 years held out): every model
is fitted on the rest, exactly as ``rnnlp forecast compare`` does (same defaults: AR order by
AIC, local level by MLE, LSTM/GRU with window 24, hidden 32, 150 epochs), and scored by MAE,
RMSE, MASE and 95% interval coverage. A random-walk ("naive", last value) row anchors the
scale. The RNN rows are the mean over ``--seeds`` seeds, with the MAE range across seeds.
Prints the markdown table and writes it, with the command, machine, date and load, to ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _results import RESULTS, Report

from rnnlp.forecast.data import SAMPLES, SAMPLES_DIR
from rnnlp.timeseries.compare import compare
from rnnlp.timeseries.io import read_series

DATASETS = [("nile", 12), ("sunspots", 20)]
CLASSICAL = ("naive", "ar", "kalman")
RNNS = ("lstm", "gru")


def naive(train, horizon, max_order, alpha):
    """Random walk: the last value, intervals from the std of the first differences times sqrt(h)."""
    from scipy import stats

    sigma = np.std(np.diff(train, axis=0), axis=0, ddof=1)
    mean = np.repeat(train[-1:], horizon, axis=0)
    half = stats.norm.ppf(1 - alpha / 2) * sigma * np.sqrt(np.arange(1, horizon + 1))[:, None]
    return mean, mean - half, mean + half, []


def run_model(values, horizon, model, seed, threads):
    extra = {"naive": naive}
    if model in RNNS:
        from rnnlp.forecast.rnn import compare_forecaster
        extra[model] = compare_forecaster(model, seed=seed, threads=threads)
    start, cpu = time.perf_counter(), time.process_time()
    row = compare(values, horizon, models=(model,), extra=extra)[0]
    return row, time.perf_counter() - start, time.process_time() - cpu


def rows_for(name, horizon, seeds, threads):
    file, column = SAMPLES[name]
    values = read_series(SAMPLES_DIR / file, column)
    out = []
    for model in CLASSICAL + RNNS:
        runs = [run_model(values, horizon, model, seed, threads) for seed in (seeds if model in RNNS else [0])]
        maes = [r["mae"] for r, _, _ in runs]
        out.append({"data": f"{name} (n={len(values)}, h={horizon})", "model": model,
                    "order": ",".join(map(str, runs[0][0]["order"])) or "-",
                    **{k: float(np.mean([r[k] for r, _, _ in runs])) for k in ("mae", "rmse", "mase", "coverage")},
                    "range": f"{min(maes):.4g}-{max(maes):.4g}" if len(runs) > 1 else "",
                    "wall": float(np.mean([w for _, w, _ in runs])), "cpu": float(np.mean([c for _, _, c in runs]))})
        print(f"{name:9s} {model:7s} MAE {out[-1]['mae']:.4g}  MASE {out[-1]['mase']:.3f}  "
              f"cov {out[-1]['coverage']:.2f}  {out[-1]['wall']:.1f}s", flush=True)
    return out


def table(rows) -> str:
    lines = ["| series | model | order | MAE | RMSE | MASE | 95% coverage | MAE range over seeds | fit wall (s) | fit CPU (s) |",
             "|---|---|---|---:|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['data']} | {r['model']} | {r['order']} | {r['mae']:.4g} | {r['rmse']:.4g} | "
                     f"{r['mase']:.3f} | {r['coverage']:.2f} | {r['range']} | {r['wall']:.2f} | {r['cpu']:.2f} |")
    return "\n".join(lines)


def verdicts(rows) -> str:
    """One line per series: the best model by MASE and how the best RNN compares with it."""
    lines = []
    for data in dict.fromkeys(r["data"] for r in rows):
        mine = [r for r in rows if r["data"] == data]
        best = min(mine, key=lambda r: r["mase"])
        classical = min((r for r in mine if r["model"] not in RNNS), key=lambda r: r["mase"])
        rnn = min((r for r in mine if r["model"] in RNNS), key=lambda r: r["mase"])
        lines.append(f"- {data}: best MASE {best['mase']:.3f} ({best['model']}); best classical "
                     f"{classical['mase']:.3f} ({classical['model']}); best RNN {rnn['mase']:.3f} ({rnn['model']}), "
                     f"{'better' if rnn['mase'] < classical['mase'] else 'worse'} than the best classical model "
                     f"by {abs(rnn['mase'] / classical['mase'] - 1):.0%}, at {rnn['cpu'] / max(classical['cpu'], 1e-9):.0f}x its CPU time.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="RNN seeds to average (0..N-1)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the RNNs")
    parser.add_argument("--out", type=Path, default=RESULTS / "forecasting.md")
    args = parser.parse_args(argv)
    report = Report(__file__, "Forecasting: classical models vs LSTM/GRU on the bundled samples", argv)
    rows = [r for name, horizon in DATASETS for r in rows_for(name, horizon, list(range(args.seeds)), args.threads)]
    print(report.write(TEMPLATE.format(table=table(rows), seeds_minus_one=args.seeds - 1, threads=args.threads,
                                       verdicts=verdicts(rows)), args.out))


TEMPLATE = """Each model is fitted on all but the last h points and scored on them (what `rnnlp forecast
compare --data nile --horizon 12` prints). MASE divides the MAE by the in-sample MAE of the
one-step naive forecast (below 1: better than that). "naive" is the random walk (last value),
added here through the same `extra` hook the RNNs use. RNN rows: defaults of the CLI (window 24,
hidden 32, 1 layer, 150 epochs, Adam 5e-3 with cosine decay, many-to-many loss), {threads} torch
thread(s), mean over seeds 0..{seeds_minus_one}; their intervals are the residual-std x sqrt(h) scheme of
`rnnlp.forecast.rnn`. Wall times are inflated by other jobs on a shared machine; CPU times are steadier.

{table}

Per series (computed by the script):

{verdicts}
"""


if __name__ == "__main__":
    main(sys.argv[1:])
