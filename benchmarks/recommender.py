"""Next-item recommendation (issue 17): the GRU against most-popular and item-kNN, from run logs.

    python benchmarks/recommender.py

Reads ``benchmarks/logs/recommender_<data>[_<approach>]/``: ``metrics.jsonl`` (from ``fit``: one
row per validation, with training items/s), ``config.yaml`` and ``meta.json`` (of ``best/``),
``test.json`` (``rnnlp evaluate RUN --json > test.json``: the leave-one-out test of the GRU
and of both baselines, fitted on the same histories, with the evaluation seconds) and, where
sampled, ``load.txt`` (the 1-minute load average once a minute during the run). On Beauty every
approach tried is one row; the headline run is the one with the best validation NDCG@10 (test
scores never choose). Writes benchmarks/results/recommender.md; a dataset without a log is
listed with its command.
"""

from __future__ import annotations

import json
import sys

from _results import RESULTS, ROOT, Report

LOGS = ROOT / "benchmarks" / "logs"
DATASETS = {  # log folder -> (title, recipe, reference rows: (source, {metric: value}))
    "recommender_beauty": ("Amazon Beauty (S3-Rec/ICLRec 5-core file)", "recipes/recommender/beauty_gru.yaml",
                           [("ICLRec released checkpoint (README of salesforce/ICLRec; the issue's goal)",
                             {"hr@10": 0.0744, "ndcg@10": 0.0403, "hr@20": 0.1058, "ndcg@20": 0.0483})]),
    "recommender_ml100k": ("MovieLens 100K", "recipes/recommender/ml100k_gru.yaml", []),
}
BEAUTY_APPROACHES = {  # log folder -> what the run changed against the recipe (its overrides)
    "recommender_beauty": "the recipe as of 0.2.0: embedding 64, dropout 0.4, lr 0.002 constant, 25 min",
    "recommender_beauty_wide_cosine": "embedding 128, dropout 0.5, cosine LR to 0 at the budget (28 min)",
    "recommender_beauty_sampled_logq": "sampled softmax, batch targets + 2048 by popularity, logQ-corrected "
                                       "(about 2x the items/s of full CE), dropout 0.3, lr 0.003 cosine (28 min)",
    "recommender_beauty_quiet": "the recipe (as sampled_logq) again, on a quiet machine: early stopping (patience "
                                "10) ended it well inside the 28 min",
    "recommender_beauty_drop5": "the recipe with model.dropout=0.5, quiet machine",
    "recommender_beauty_ce": "the recipe with model.loss=ce (full softmax over all items), quiet machine",
    "recommender_beauty_drop5_refit": "recommender_beauty_drop5 repeated with data.refit=true: the validation items "
                                      "are training targets too, as many steps as that run's best validation, the "
                                      "last checkpoint kept",
    "recommender_beauty_refit": "recommender_beauty_quiet repeated with data.refit=true: the validation items are "
                                "training targets too, as many steps as that run's best validation, the last "
                                "checkpoint kept",
}
REFITS = {"recommender_beauty_refit": "recommender_beauty_quiet",  # refit log -> the approach it repeats
          "recommender_beauty_drop5_refit": "recommender_beauty_drop5"}
OVERRIDES = {"recommender_beauty_drop5": "model.dropout=0.5", "recommender_beauty_ce": "model.loss=ce"}
#   an approach's command-line overrides of the recipe (the earlier approaches' are in the table)
#   A refit run trained on the validation items, so its validation score chooses nothing: it is the
#   headline when the approach it repeats has the best validation NDCG@10 of the plain runs.
ABLATION = {"ce": "full softmax cross-entropy", "sampled": "sampled softmax (batch targets + 256 by popularity)",
            "bpr_max": "BPR-max (same candidates)", "top1_max": "TOP1-max (same candidates)"}
#   log folders recommender_ml100k_loss_<loss>
ABLATION_MINUTES = 3
SYSTEMS = ("gru", "most_popular", "item_knn")
METRICS = ("hr@10", "ndcg@10", "hr@20", "ndcg@20", "mrr")
PROTOCOLS = {"seen": "full ranking, history excluded", "all": "full ranking, nothing excluded",
             "sampled": "sampled negatives (older protocol)"}


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def section(name: str, folder=None) -> str:
    title, recipe, references = DATASETS[name]
    folder = folder or LOGS / name
    refit = folder.name in REFITS
    overrides = OVERRIDES.get(REFITS.get(folder.name, folder.name), "")
    command = (f"RNNLP_DATA=../shared/data rnnlp train recommender --recipe {recipe} train.threads=1"
               + (f" {overrides}" if overrides else "")
               + (f" data.refit=true train.max_steps={_refit_steps(folder.name)}" if refit else ""))
    if not (folder / "test.json").is_file():
        return f"## {title}\n\nNo committed log: run `{command}`, then see benchmarks/logs/README.md.\n"
    test = json.loads((folder / "test.json").read_text())
    rows = read_jsonl(folder / "metrics.jsonl")
    best = max(rows, key=lambda r: r.get("ndcg@10", -1))
    chosen = (f"the last checkpoint (refit: validation items were training targets, so nothing was selected; "
              f"the settings and the step count were chosen by the validation score of {REFITS[folder.name]})" if refit else
              f"best validation NDCG@10 {best['ndcg@10']:.4f} at step {best['step']}"
              f"{' (still improving when the budget ended)' if best is rows[-1] or best is rows[-2] else ''} "
              f"(selection on validation only)")
    lines = [f"## {title}", "", f"Command: `{command}` (then `rnnlp evaluate RUN --json > test.json`)  ",
             f"{test['users']} test users, {test['items']} items; training stopped after step {rows[-1]['step']} "
             f"({rows[-1]['elapsed_s'] / 60:.1f} min); {chosen}; training {_median_rate(rows):,.0f} items/s "
             f"({_batching(folder)}, one thread{_load(folder)}); run folder `benchmarks/logs/{folder.name}`.", "",
             "| system | protocol | " + " | ".join(METRICS) + " |", "|---|---|" + "---:|" * len(METRICS)]
    for system in SYSTEMS:
        for proto, row in test[system].items():
            label = PROTOCOLS[proto].replace("sampled negatives", f"{test.get('sampled_negatives')} sampled negatives")
            lines.append(f"| {system} | {label} | " + " | ".join(f"{row[m]:.4f}" for m in METRICS) + " |")
    for source, ref in references:
        lines.append(f"| {source} | full ranking, history excluded | "
                     + " | ".join(f"{ref[m]:.4f}" if m in ref else "" for m in METRICS) + " |")
    if refit:
        plain = json.loads((LOGS / REFITS[folder.name] / "test.json").read_text())["gru"]["seen"]
        lines += ["", f"Protocol: the test item of every user stays unseen, but this GRU also trained on the "
                  f"validation items, as item-kNN is fitted on them; ICLRec's released model trained on the "
                  f"items before them only. Without the refit ({REFITS[folder.name]}) the GRU's test NDCG@10 is "
                  f"{plain['ndcg@10']:.4f} and HR@10 {plain['hr@10']:.4f}."]
    lines += ["", *_verdicts(test, references), "", "Evaluation seconds (all users, three protocols, fitting "
              "included): " + ", ".join(f"{k} {v:.1f}" for k, v in test.get("seconds", {}).items()), ""]
    return "\n".join(lines)


def _refit_steps(name: str) -> int:
    """A refit trains as many steps as the run it repeats took to its best validation score."""
    rows = read_jsonl(LOGS / REFITS[name] / "metrics.jsonl")
    return max(rows, key=lambda r: r.get("ndcg@10", -1))["step"]


def _batching(folder) -> str:
    text = (folder / "config.yaml").read_text()
    return "session-parallel lanes" if "batching: session_parallel" in text else "padded user sequences"


def _median_load(folder) -> str:
    text = _load(folder)
    return text.split("load ")[-1].split(" ")[0] if text else ""


def _load(folder) -> str:
    """", median load L" from the run's load samples (none before they were taken)."""
    path = folder / "load.txt"
    if not path.is_file():
        return ""
    loads = sorted(float(line.split()[1]) for line in path.read_text().splitlines() if line.strip())
    return f", median 1-min load {loads[len(loads) // 2]:.1f} on 2 CPUs" if loads else ""


def _best_valid(folder) -> float:
    return max(r.get("ndcg@10", -1) for r in read_jsonl(folder / "metrics.jsonl"))


def approaches() -> tuple[str, object]:
    """(the Beauty approaches table, the folder with the best validation NDCG@10)."""
    done = [LOGS / n for n in BEAUTY_APPROACHES if (LOGS / n / "test.json").is_file()]
    lines = ["### Amazon Beauty: every approach tried (one run each, one thread)", "",
             "| run | change | steps | minutes | items/s | median load | best valid NDCG@10 | test HR@10 | "
             "test NDCG@10 | test HR@20 | test NDCG@20 |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for folder in done:
        rows, test = read_jsonl(folder / "metrics.jsonl"), json.loads((folder / "test.json").read_text())["gru"]["seen"]
        load = _median_load(folder) or "not sampled"
        lines.append(f"| {folder.name} | {BEAUTY_APPROACHES[folder.name]} | {rows[-1]['step']} | "
                     f"{rows[-1]['elapsed_s'] / 60:.1f} | {_median_rate(rows):,.0f} | {load} | "
                     f"{'trained on (refit)' if folder.name in REFITS else f'{_best_valid(folder):.4f}'} | "
                     + " | ".join(f"{test[m]:.4f}" for m in ("hr@10", "ndcg@10", "hr@20", "ndcg@20")) + " |")
    plain = [f for f in done if f.name not in REFITS]
    best = max(plain, key=_best_valid) if plain else None
    refit = next((LOGS / r for r, of in REFITS.items() if best is not None and of == best.name
                  and (LOGS / r / "test.json").is_file()), None)
    return "\n".join(lines) + "\n", best, refit


def _median_rate(rows: list[dict]) -> float:
    rates = sorted(r["tokens_per_s"] for r in rows if r.get("tokens_per_s"))
    return rates[len(rates) // 2] if rates else 0.0


def _verdicts(test: dict, references: list) -> list[str]:
    gru = test["gru"]["seen"]
    out = []
    for system in SYSTEMS[1:]:
        other = test[system]["seen"]["ndcg@10"]
        out.append(f"- GRU vs {system}, NDCG@10 (history excluded): {gru['ndcg@10']:.4f} vs {other:.4f}, "
                   f"{gru['ndcg@10'] - other:+.4f} ({'beats' if gru['ndcg@10'] > other else 'does not beat'})")
    for source, ref in references:
        met = all(gru[m] >= ref[m] for m in ("ndcg@10", "hr@10"))
        out.append(f"- Goal NDCG@10 >= {ref['ndcg@10']} and HR@10 >= {ref['hr@10']}: "
                   f"{'met' if met else 'not met'} ({gru['ndcg@10']:.4f}, {gru['hr@10']:.4f})")
    return out


def ablation() -> str:
    """Each loss at the same time budget on MovieLens 100K (a shorter budget than the main run)."""
    recipe = DATASETS["recommender_ml100k"][1]
    lines = [f"## Loss ablation, MovieLens 100K, {ABLATION_MINUTES} minutes each", "",
             f"Command: `RNNLP_DATA=../shared/data rnnlp train recommender --recipe {recipe} train.threads=1 "
             f"train.time_limit_minutes={ABLATION_MINUTES} model.loss=LOSS`", "",
             "Rows are separate runs on one shared machine: the steps a budget buys depend on the load beside "
             "them (median 1-min load during the run, where sampled; 'earlier' rows come from a quieter session).", "",
             "| loss | steps | median load | best valid NDCG@10 | test HR@10 | test NDCG@10 | test NDCG@20 | test MRR |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for loss, title in ABLATION.items():
        folder = LOGS / f"recommender_ml100k_loss_{loss}"
        if not (folder / "test.json").is_file():
            lines.append(f"| {title} | no committed log | | | | | | |")
            continue
        rows, test = read_jsonl(folder / "metrics.jsonl"), json.loads((folder / "test.json").read_text())["gru"]["seen"]
        best = max(r.get("ndcg@10", -1) for r in rows)
        load = _median_load(folder) or "earlier, not sampled"
        lines.append(f"| {title} | {rows[-1]['step']} | {load} | {best:.4f} | {test['hr@10']:.4f} | "
                     f"{test['ndcg@10']:.4f} | {test['ndcg@20']:.4f} | {test['mrr']:.4f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    report = Report(__file__, "Next-item recommendation: GRU vs most-popular and item-kNN", argv)
    table, best, refit = approaches()
    beauty = section("recommender_beauty", refit or best)
    if refit is not None:  # the headline: the refit of the approach with the best validation NDCG@10
        beauty = beauty.replace("\n\nCommand:", f"\n\nThe refit ({refit.name}) of the approach with the best "
                                f"validation NDCG@10 below ({best.name}; test scores chose nothing).\n\nCommand:", 1)
    elif best is not None:  # the headline: the approach with the best validation NDCG@10
        beauty = beauty.replace("\n\nCommand:", f"\n\nThe run with the best validation NDCG@10 of the approaches "
                                f"below ({best.name}; test scores chose nothing).\n\nCommand:", 1)
    body = ("Leave-one-out per user (last item test, second-last validation), every item ranked; ties count "
            "against the target. In these logs (evaluated before 2026-12-07) both baselines were fitted on the test "
            "histories (never the targets), which hold the validation items; `benchmarks/headlines.py` fits them "
            "on the training sequences of each protocol. "
            "Batchings compared in benchmarks/recommender_batching.py.\n\n"
            + beauty + "\n" + table + "\n" + section("recommender_ml100k") + "\n" + ablation())
    print(report.write(body, RESULTS / "recommender.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
