"""The headline table, re-measured: any published quality row, rerun from its recipe with N seeds.

    python benchmarks/headlines.py ROW [ROW ...] [--seeds 3] [--data-root ../shared/data]
    python benchmarks/headlines.py --all --seeds 3
    python benchmarks/headlines.py ROW --seed 2      # one seed (two processes can share a row's seeds)
    python benchmarks/headlines.py --report          # only rewrite the table from the committed logs
    python benchmarks/headlines.py --baselines ROW   # the row's baselines alone (no model, no seed)

Each seed k trains ``rnnlp train TASK --recipe R train.seed=k train.threads=1`` (steps and epochs
from the recipe: no time budget shapes a run), selects best/ on the row's validation data as
``fit`` does, then scores the test data once, for best/ only. Its logs go to
``benchmarks/logs/headlines/<row>/seed<k>/`` (metrics.jsonl, config.yaml and meta.json of best/,
test.json with the test scores and the run's wall time); a seed whose logs are there is not run
again. ``benchmarks/results/headlines.md`` gives, per row, the median and range over the seeds
found, the validation figure that chose each checkpoint, the time per run, and the earlier
published figure beside it. No figure is typed by hand: the table is read from the logs.

A recommender row's baselines (most-popular, item-kNN) are fitted on the training sequences of
the row's own protocol (ICLRec's: without the validation items; the refit: with them). They take
no seed, so ``--baselines`` scores them once, without training, into ``<row>/baselines.json``;
the table shows those figures beside the row (or, where that log is absent, the seeds' test.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _results import RESULTS, ROOT, Report

LOGS = ROOT / "benchmarks" / "logs" / "headlines"
RUNS = ROOT / "runs_headlines"  # checkpoints (ignored by git); only the logs are committed


@dataclass(frozen=True)
class Row:
    task: str
    recipe: str | None            # under recipes/ (None: the default config, README's main job)
    data: str                     # what the figure is measured on
    key: str                      # the reported metric (of test.json, or of the selection row)
    select: str                   # the metric fit selected best/ by, on validation
    test: dict | None = None      # keywords of the loaded model's evaluate (paths under the data root)
    overrides: tuple = ()
    earlier: str = ""             # the figure published before this script, and where
    protocol: str = ""
    scale: float = 1.0            # shown as figure * scale (accuracy as is, BLEU as is)
    lower_is_better: bool = False
    after: str | None = None      # a row whose seed k must exist first (the refit reads its best step)
    beside: tuple = ()            # further test.json keys shown beside (baselines on the same split)
    strings: bool = False         # the data root is the connected-digits corpus built from FSDD (speech_strings.py)


ROWS = {
    "main_job": Row("sentiment", None, "bundled SST-2 dev (872)", "accuracy", "accuracy",
                    earlier="0.8406 (seed 0, benchmarks/logs/main_job)",
                    protocol="the dev set is both the selection set and the reported set (GLUE's test labels are "
                             "hidden)"),
    "sst2": Row("sentiment", "sentiment/sst2_bilstm.yaml", "SST-2 (GLUE) dev", "accuracy", "accuracy",
                earlier="0.8463 (seed 0, benchmarks/logs/sst2)",
                protocol="the dev set is both the selection set and the reported set"),
    "conll2003": Row("tagging", "tagging/conll2003_bilstm_crf.yaml", "CoNLL-2003 test (eng.testb)", "f1", "f1",
                     test={"data": "tagging/conll2003/eng.testb"}, earlier="0.8916 (seed 0, benchmarks/logs/conll2003)",
                     protocol="entity F1, seqeval strict; best/ selected on eng.testa"),
    "wikitext2": Row("lm", "lm/wikitext2_lstm.yaml", "WikiText-2 test", "perplexity", "-loss",
                     test={"data": "lm/wikitext2/test.txt.gz"}, lower_is_better=True,
                     earlier="none with a committed log", protocol="word perplexity; best/ selected on valid loss"),
    "multi30k_de_en": Row("translation", "translation/multi30k_de_en.yaml", "Multi30k test2016 de->en", "bleu",
                          "bleu", test={"source": "translation/multi30k/test_2016_flickr.de.gz",
                                        "target": "translation/multi30k/test_2016_flickr.en.gz"},
                          earlier="35.45 (seed 0, benchmarks/logs/multi30k_de_en)",
                          protocol="cased sacreBLEU, beam 5; best/ selected on greedy BLEU of 500 valid sentences"),
    "ecg5000": Row("series", "series/ecg5000.yaml", "ECG5000 test (4,500 beats)", "accuracy", "accuracy",
                   test={"data": "timeseries_classification/ecg5000/ECG5000_TEST.tsv.gz"},
                   earlier="0.9373 (seed 0, an earlier figure whose EMA variant had been picked by its test accuracy)",
                   protocol="best/ selected on a stratified fifth of the training file; LSTM-FCN's fair-checkpoint "
                            "figure 0.9433"),
    "ml100k": Row("recommender", "recommender/ml100k_gru.yaml", "MovieLens-100K, leave-one-out test", "gru.seen.ndcg@10",
                  "ndcg@10", test={}, earlier="see benchmarks/logs/recommender_ml100k",
                  beside=("item_knn.seen.ndcg@10", "most_popular.seen.ndcg@10"),
                  protocol="full ranking, seen items excluded; best/ selected on the validation item"),
    "beauty": Row("recommender", "recommender/beauty_gru.yaml", "Amazon Beauty, leave-one-out test",
                  "gru.seen.ndcg@10", "ndcg@10", test={}, overrides=("model.dropout=0.5",),
                  beside=("item_knn.seen.ndcg@10", "most_popular.seen.ndcg@10"),
                  earlier="0.0376 without the refit (benchmarks/logs/recommender_beauty_drop5)",
                  protocol="ICLRec's: training never sees the validation item, selection on it, full ranking with "
                           "seen items excluded; the goal's protocol (ICLRec 0.0403)"),
    "beauty_refit": Row("recommender", "recommender/beauty_gru.yaml", "Amazon Beauty, refit, leave-one-out test",
                        "gru.seen.ndcg@10", "ndcg@10", test={}, beside=("item_knn.seen.ndcg@10", "most_popular.seen.ndcg@10"), overrides=("model.dropout=0.5", "data.refit=true"),
                        after="beauty", earlier="0.0503 (benchmarks/logs/recommender_beauty_drop5_refit)",
                        protocol="a second protocol, never the goal's: trained on the validation items too, for the "
                                 "step count of the beauty row's best validation (max_steps)"),
    "beauty_control": Row("recommender", "recommender/beauty_gru.yaml",
                          "Amazon Beauty, the refit's steps without the refit", "gru.seen.ndcg@10", "ndcg@10", test={},
                          overrides=("model.dropout=0.5",), after="beauty", earlier="(new: the missing control)",
                          beside=("item_knn.seen.ndcg@10", "most_popular.seen.ndcg@10"),
                          protocol="ICLRec's, with the refit's max_steps and so the same annealing: what the refit "
                                   "gains from annealing alone"),
    "fsdd_digits": Row("speech", "speech/fsdd_digits.yaml", "FSDD isolated digits, test (index 0-4)", "accuracy",
                       "accuracy", test={"data": "speech/fsdd/recordings.zip", "filter": "index=0-4"},
                       earlier="see benchmarks/logs/speech_fsdd", protocol="best/ selected on index 5-9"),
    "fsdd_connected": Row("speech", "speech/fsdd_connected.yaml", "FSDD connected digits, test (500 strings)", "wer",
                          "-wer", test={"data": "fsdd_strings/test.csv"}, lower_is_better=True, strings=True,
                          earlier="see benchmarks/logs/speech_connected",
                          protocol="digit error rate, greedy; strings of FSDD recordings (benchmarks/speech_strings.py, "
                                   "seed 0): train index 10-49, dev (selection) index 5-9, test index 0-4"),
}


def row_root(row: Row, data_root: str) -> str:
    """The data root of ``row``: the shared data, or for the connected digits the corpus that
    benchmarks/speech_strings.py builds from FSDD (once, seeded, under RUNS/fsdd_strings)."""
    if not row.strings:
        return data_root
    if not (RUNS / "fsdd_strings" / "test.csv").is_file():
        import subprocess

        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "speech_strings.py"), "--fsdd",
                        str(Path(data_root) / "speech" / "fsdd" / "recordings.zip"), "--out",
                        str(RUNS / "fsdd_strings"), "--seed", "0"], check=True)
    return str(RUNS)


def command(name: str, row: Row, seed: int, out: Path, data_root: str) -> list[str]:
    data_root = row_root(row, data_root)
    recipe = ["--recipe", str(ROOT / "recipes" / row.recipe)] if row.recipe else []
    return ["train", row.task, *recipe, "-o", str(out), f"train.seed={seed}", "train.threads=1",
            "train.progress=false", *([f"data.root={data_root}"] if row.recipe else []), *row.overrides,
            *_dependent(name, row, seed)]


def _dependent(name: str, row: Row, seed: int) -> list[str]:
    """The refit and its control train for the step count of the beauty row's best validation."""
    if not row.after:
        return []
    best = _best(LOGS / row.after / f"seed{seed}", ROWS[row.after])
    if best is None:
        raise SystemExit(f"{name}: run the row {row.after!r} for seed {seed} first")
    return [f"train.max_steps={best['step']}"]


def run_seed(name: str, row: Row, seed: int, data_root: str) -> None:
    """Train one seed, score best/ on the test data once, copy the logs."""
    dest = LOGS / name / f"seed{seed}"
    if (dest / "test.json").is_file():
        print(f"{name} seed {seed}: logs found, not rerun", file=sys.stderr)
        return
    from rnnlp.cli import main

    out = RUNS / name / f"seed{seed}"
    shutil.rmtree(out, ignore_errors=True)
    start, load = time.perf_counter(), os.getloadavg()[0]
    args = command(name, row, seed, out, data_root)
    try:
        main(args)
    except SystemExit as exc:
        if exc.code:
            raise
    seconds = time.perf_counter() - start
    scores = _test(row, out, data_root)
    dest.mkdir(parents=True, exist_ok=True)
    for source in (out / "metrics.jsonl", out / "best" / "config.yaml", out / "best" / "meta.json"):
        shutil.copy(source, dest / source.name)
    (dest / "test.json").write_text(json.dumps({
        "command": "rnnlp " + " ".join(args).replace(str(ROOT) + "/", ""), "test": row.test, "scores": scores,
        "train_seconds": round(seconds, 1), "load_start": round(load, 2), "load_end": round(os.getloadavg()[0], 2),
    }, indent=1, default=str) + "\n")


def _test(row: Row, out: Path, data_root: str) -> dict:
    """The test scores of best/ (scored once); {} where the figure is the validation one."""
    import rnnlp

    if row.test is None:
        return {}
    from rnnlp.training.distributed import torch_threads

    model = rnnlp.load(out)
    root = row_root(row, data_root)
    options = {k: (str(Path(root) / v) if k in ("data", "source", "target") else v) for k, v in row.test.items()}
    # the run's one thread: the training left the process's own count (all cores), and two threads
    # beside another job spin-wait (WikiText-2's test ran ~30x slower)
    with torch_threads(1):
        report = model.evaluate(**options)
    return {k: v for k, v in report.items() if isinstance(v, (int, float, str, dict))}


def run_baselines(name: str, row: Row, data_root: str) -> None:
    """Score the row's baselines alone on its test split (no model), into ``<row>/baselines.json``."""
    from rnnlp.config.base import build_config
    from rnnlp.config.recommender import RecommenderConfig
    from rnnlp.tasks.recommender import baseline_report
    from rnnlp.training.provenance import provenance

    if not row.beside:
        raise SystemExit(f"{name}: the row has no baselines (rows with baselines: "
                         f"{', '.join(n for n, r in ROWS.items() if r.beside)})")
    cfg = build_config(RecommenderConfig, ROOT / "recipes" / row.recipe, [*row.overrides, f"data.root={data_root}"])
    start, load = time.perf_counter(), os.getloadavg()[0]
    report = baseline_report(cfg)
    dest = LOGS / name
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "baselines.json").write_text(json.dumps({
        "recipe": row.recipe, "overrides": list(row.overrides), "scores": report,
        "seconds": round(time.perf_counter() - start, 1), "load_start": round(load, 2),
        "load_end": round(os.getloadavg()[0], 2), "provenance": provenance()}, indent=1, default=str) + "\n")
    print(f"{name}: " + ", ".join(f"{k} {_pick(report, k):.4f}" for k in row.beside), file=sys.stderr)


# -- the table ---------------------------------------------------------------------------
def _rows(folder: Path) -> list[dict]:
    path = folder / "metrics.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip() and "warning" not in line] \
        if path.is_file() else []


def _best(folder: Path, row: Row) -> dict | None:
    """The evaluation fit kept as best/ (first of the best, as fit keeps it)."""
    key, sign = row.select.lstrip("-"), -1.0 if row.select.startswith("-") else 1.0
    rows = [r for r in _rows(folder) if isinstance(r.get(key), (int, float))]
    return max(rows, key=lambda r: sign * r[key]) if rows else None


def figure(folder: Path, row: Row) -> tuple[float | None, float | None, float | None]:
    """(reported figure, validation figure of the chosen checkpoint, minutes) of one seed."""
    best = _best(folder, row)
    test = json.loads((folder / "test.json").read_text()) if (folder / "test.json").is_file() else {}
    scores = test.get("scores") or {}
    value = _pick(scores, row.key) if row.test is not None else (best or {}).get(row.key)
    minutes = test.get("train_seconds", 0) / 60 or None
    return value, (best or {}).get(row.select.lstrip("-")), minutes


def _pick(scores: dict, key: str):
    """``scores[key]``, or down a dotted path (the recommender's ``gru.seen.ndcg@10``)."""
    node = scores
    for part in key.split(".") if key not in scores else [key]:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, (int, float)) else None


def spread(name: str) -> tuple[float, float, float, int] | None:
    """(median, lowest, highest, seeds) of a row's reported figure over its logged seeds, or None."""
    row = ROWS.get(name)
    found = [figure(p, row)[0] for p in LOGS.glob(f"{name}/seed*")] if row else []
    values = [v for v in found if v is not None]
    return (statistics.median(values), min(values), max(values), len(values)) if values else None


def summary(name: str, row: Row) -> list[str]:
    seeds = sorted(LOGS.glob(f"{name}/seed*"), key=lambda p: int(p.name[4:]))
    found = [(p.name[4:], *figure(p, row)) for p in seeds]
    found = [f for f in found if f[1] is not None]
    if not found:
        return [f"| {name} | {row.data} | not run yet | | | | {row.earlier} | {row.protocol} |"]
    values = [f[1] for f in found]
    med = statistics.median(values)
    spread = f"{min(values):.4f} - {max(values):.4f}" if len(values) > 1 else "one seed"
    valid = ", ".join(f"{f[2]:.4f}" for f in found if f[2] is not None)
    valid += baselines(name, row, seeds)
    minutes = ", ".join(f"{f[3]:.1f}" for f in found if f[3])
    return [f"| {name} | {row.data} | {row.key} **{med:.4f}** | {spread} | {len(values)} (seeds "
            f"{', '.join(f[0] for f in found)}) | {row.select.lstrip('-')} {valid} | {minutes} | {row.earlier} | "
            f"{row.protocol} |"]


def baselines(name: str, row: Row, seeds: list[Path]) -> str:
    """The row's baselines on the same test split: from ``baselines.json`` (fitted on the row's
    protocol), else the median over the seeds' test.json reports."""
    path = LOGS / name / "baselines.json"
    if path.is_file():
        scores = json.loads(path.read_text())["scores"]
        return "".join(f"; {key.split('.')[0]} {_pick(scores, key):.4f} (test, fitted on "
                       f"{'train + validation items' if 'refit' in scores.get('baselines_fit', '') else 'train'})"
                       for key in row.beside if _pick(scores, key) is not None)
    tests = [json.loads((p / "test.json").read_text()).get("scores", {}) for p in seeds if (p / "test.json").is_file()]
    out = ""
    for key in row.beside:
        got = [v for v in (_pick(t, key) for t in tests) if v is not None]
        if got:
            out += f"; {key.split('.')[0]} {statistics.median(got):.4f} (test)"
    return out


def write_table(argv: list[str]) -> Path:
    report = Report(__file__, "Headline figures, re-measured: median and range over seeds", argv)
    lines = [report.header(),
             "Each row is rerun from its recipe by `python benchmarks/headlines.py ROW --seeds 3` (steps and epochs "
             "from the recipe, `train.threads=1`); best/ is chosen on validation as `fit` keeps it and the test "
             "data is scored once, for best/ only. Logs: `benchmarks/logs/headlines/<row>/seed<k>/` (the command, "
             "load at start and end and wall time in `test.json`; versions and commit in `meta.json`).", "",
             "| row | data | median | range | seeds | validation figure that chose each checkpoint | minutes per "
             "run (`rnnlp train` from start to end: data, training, checkpoints; the test scoring after it not counted) | published before | protocol |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, row in ROWS.items():
        lines += summary(name, row)
    path = RESULTS / "headlines.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="*", metavar="ROW", help=f"rows to run: {', '.join(ROWS)}")
    parser.add_argument("--all", action="store_true", help="every row")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default 3)")
    parser.add_argument("--seed", type=int, action="append", metavar="K",
                        help="only seed K (repeatable): another process may run the row's other seeds")
    parser.add_argument("--data-root", default=os.environ.get("RNNLP_DATA", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--report", action="store_true", help="only rewrite the table from the logs")
    parser.add_argument("--baselines", action="store_true",
                        help="score the rows' baselines alone (recommender rows: no model, no seed)")
    args = parser.parse_args()
    unknown = [r for r in args.rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown row {unknown[0]!r}; choose from: {', '.join(ROWS)}")
    if args.baselines:
        for name in (list(n for n, r in ROWS.items() if r.beside) if args.all else args.rows):
            run_baselines(name, ROWS[name], args.data_root)
    elif not args.report:
        for name in (list(ROWS) if args.all else args.rows):
            for seed in (args.seed if args.seed is not None else range(args.seeds)):
                run_seed(name, ROWS[name], seed, args.data_root)
    print(write_table(sys.argv[1:]))


if __name__ == "__main__":
    main()
