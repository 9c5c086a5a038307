"""Results of the training runs behind the README's headline figures, read from their logs.

    python benchmarks/runs.py

For each headline run below, ``benchmarks/logs/<name>/`` holds what the run wrote:
``metrics.jsonl`` (one row per evaluation, from ``fit``), ``config.yaml`` and ``meta.json``
(from ``best/``) and, where the figure is a test score, ``test.json``
(``rnnlp evaluate RUN --data TEST --json > test.json``). This script picks the best evaluation
the way ``fit`` keeps ``best/`` (the run's selection metric on the selection set), and writes
benchmarks/results/runs.md and the results table of README.md. A run without a log is listed
as not reproduced, with the command that would reproduce it; no figure is typed by hand.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import headlines
from _results import RESULTS, ROOT, Report, replace_between

LOGS = ROOT / "benchmarks" / "logs"
README_START, README_END = "<!-- results table: benchmarks/runs.py -->", "<!-- end of results table -->"


@dataclass(frozen=True)
class Run:
    name: str          # folder under benchmarks/logs/
    task: str
    data: str
    train_args: str    # what follows `rnnlp train TASK`
    select: str        # metric fit selects best/ by, on the valid set (prefix - = lower is better)
    reported: str      # "valid" when the selection set is also the reported set, else test.json's key
    protocol: str      # selection set, seeds, casing, tokenization, references
    readme: bool = True  # a headline of README's table (False: a comparison row of runs.md only)
    beside: tuple[str, str] | None = None  # (test.json key, label): a second figure shown beside the first

    @property
    def command(self) -> str:
        data_root = "RNNLP_DATA=../shared/data " if "--recipe" in self.train_args else ""
        return f"{data_root}rnnlp train {self.task} {self.train_args}".strip()


RUNS = [
    Run("main_job", "sentiment", "bundled SST-2 (67,349 train phrases, 872 dev)", "", "accuracy",
        "valid", "accuracy; the dev set is both the selection set and the reported set; one seed; lowercased "
        "words; the default config (README's main job), run by benchmarks/default_model.py"),
    Run("sst2", "sentiment", "SST-2 (GLUE) dev", "--recipe recipes/sentiment/sst2_bilstm.yaml", "accuracy", "valid",
        "accuracy; the 872-sentence dev set is both the selection set and the reported set (GLUE's test labels "
        "are hidden); one seed; lowercased words"),
    Run("conll2003", "tagging", "CoNLL-2003 English test (eng.testb)",
        "--recipe recipes/tagging/conll2003_bilstm_crf.yaml", "f1", "f1", "entity F1, seqeval strict on BIOES; best/ selected on eng.testa; one seed; the dataset's "
        "tokens, looked up lowercased with a casing feature"),
    Run("ud_lines", "tagging", "UD English LinES test", "--recipe recipes/tagging/ud_lines_upos.yaml",
        "accuracy", "accuracy",
        "UPOS accuracy; best/ selected on the dev file; one seed; the treebank's tokens"),
    Run("tinyshakespeare", "lm", "Tiny Shakespeare valid (last 10%)", "--recipe recipes/lm/tinyshakespeare_char.yaml",
        "-loss", "valid", "nats per character; the valid split is both the selection set and the reported set; "
        "one seed; cased characters"),
    Run("wikitext2", "lm", "WikiText-2 test", "--recipe recipes/lm/wikitext2_lstm.yaml", "-loss", "perplexity",
        "word perplexity over every test token, <eos> per line; best/ selected on valid loss; one seed; the "
        "dataset's cased tokens"),
    Run("multi30k_de_en", "translation", "Multi30k test2016 de->en",
        "--recipe recipes/translation/multi30k_de_en.yaml", "bleu", "bleu", "cased sacreBLEU 13a on detokenized output "
        "(lowercased beside it), 1 reference, beam 5; cased BPE; best/ selected on greedy cased BLEU of the first 500 "
        "valid sentences; one seed", beside=("bleu_lowercase", "lowercased")),
    Run("flickr8k", "captioning", "Flickr8k test", "--recipe recipes/captioning/flickr8k_attention.yaml",
        "bleu4", "bleu4",
        "BLEU-4 by sacreBLEU 13a, lowercased, 5 references (not coco-caption's scorer); best/ selected on greedy "
        "BLEU-4 of the 1,000 dev images; one seed"),
    # The same two recipes trained by the code before the task driver (rnnlp 0.1.0, commit aafd4db):
    # the before/after check of the refactor (the issue asks: within 0.5 / 0.3 points).
    Run("sst2_v0_1", "sentiment", "SST-2 (GLUE) dev, rnnlp 0.1.0 code",
        "--recipe recipes/sentiment/sst2_bilstm.yaml train.threads=1", "accuracy", "valid",
        "as sst2, trained by the 0.1.0 code (before the task driver)", readme=False),
    Run("conll2003_v0_1", "tagging", "CoNLL-2003 English test (eng.testb), rnnlp 0.1.0 code",
        "--recipe recipes/tagging/conll2003_bilstm_crf.yaml", "f1", "f1",
        "as conll2003, trained by the 0.1.0 code (before the task driver)", readme=False),
]


def read_log(folder: Path) -> tuple[list[dict], dict, dict]:
    """(metrics rows, config text as a dict of ``section.key`` strings, test.json or {})."""
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines() if line.strip()]
    config = {}
    if (folder / "config.yaml").exists():
        import yaml

        loaded = yaml.safe_load((folder / "config.yaml").read_text()) or {}
        config = {f"{s}.{k}": v for s, sub in loaded.items() if isinstance(sub, dict) for k, v in sub.items()}
    test = json.loads((folder / "test.json").read_text()) if (folder / "test.json").exists() else {}
    if (folder / "meta.json").exists():
        config["rnnlp_version"] = json.loads((folder / "meta.json").read_text()).get("rnnlp_version")
    return rows, config, test


def best_row(rows: list[dict], select: str) -> dict:
    """The evaluation fit kept as best/: first maximum (or minimum for -metric), ties to the earlier."""
    key, sign = select.lstrip("-"), (-1.0 if select.startswith("-") else 1.0)
    scored = [r for r in rows if key in r]
    if not scored:
        raise SystemExit(f"runs.py: no evaluation row has {key!r}; is this log from a {key}-selected run?")
    return max(scored, key=lambda r: (sign * r[key], -r["step"]))


def summary(run: Run, folder: Path) -> dict:
    rows, config, test = read_log(folder)
    best, last = best_row(rows, run.select), rows[-1]
    key = run.select.lstrip("-")
    if run.reported == "valid":
        figure = best[key]
    elif run.reported in test:
        figure = test[run.reported]
    else:
        figure = None
    return {"best": best, "last": last, "key": key, "figure": figure, "seed": config.get("train.seed"),
            "threads": config.get("train.threads"), "test": test,
            "version": config.get("rnnlp_version")}


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _figure(run: Run, s: dict) -> str:
    what = f"valid {s['key']}" if run.reported == "valid" else f"test {run.reported}"
    if s["figure"] is None:
        return f"no test.json with {run.reported!r}"
    key, label = run.beside or (None, None)
    second = f", {label} {_fmt(s['test'][key])}" if key in s["test"] else ""
    return f"{_fmt(s['figure'])} ({what}{second})"


def table(found: dict[str, dict]) -> str:
    """The runs table of runs.md: each committed single run, read from its own log."""
    lines = ["| run | rnnlp | data | best valid (step, epoch) | reported figure | training time | steps | seed | "
             "threads | protocol |", "|---|---|---|---|---|---:|---:|---:|---:|---|"]
    for run in RUNS:
        if run.name not in found:
            continue
        s = found[run.name]
        b, last = s["best"], s["last"]
        lines.append(f"| {run.name} | {_fmt(s['version'])} | {run.data} | {s['key']} {_fmt(b[s['key']])} ({b['step']}, {b['epoch']}) | "
                     f"{_figure(run, s)} | {last['elapsed_s'] / 60:.1f} min | {last['step']} | {_fmt(s['seed'])} | "
                     f"{_fmt(s['threads'])} | "
                     f"{run.protocol} |")
    return "\n".join(lines)


def headline_table() -> str:
    """README's table: every headline row as rerun over seeds by benchmarks/headlines.py (median,
    range, seeds, minutes a run), from its logs only; a row not rerun yet says how to rerun it."""
    import statistics

    lines = ["| task | data | result: median over seeds (range) | seeds | minutes a run | protocol |",
             "|---|---|---|---|---|---|"]
    for name, row in headlines.ROWS.items():
        seeds = headlines.spread(name)
        if seeds is None:
            lines.append(f"| {row.task} | {row.data} | not rerun yet: `python benchmarks/headlines.py {name} --seeds 3` "
                         f"| | | {row.protocol} |")
            continue
        median, low, high, count = seeds
        minutes = [m for m in (headlines.figure(p, row)[2] for p in (headlines.LOGS / name).glob("seed*")) if m]
        spread = f"{low:.4f} - {high:.4f}" if count > 1 else "one seed"
        lines.append(f"| {row.task} | {row.data} | {row.key} **{median:.4f}** ({spread}) | {count} | "
                     f"{statistics.median(minutes):.1f} | {row.protocol} |")
    return "\n".join(lines)


def missing_list(found: dict) -> str:
    """The README recipes with neither an old run log nor headline reruns (benchmarks/headlines.py)."""
    return "\n".join(f"- {run.data}: `{run.command}`" for run in RUNS
                     if run.name not in found and run.readme and headlines.spread(run.name) is None) or "- none"


def update_readme(table: str, missing: str, readme: Path = ROOT / "README.md") -> None:
    """Replace the text between README's two results-table markers: the headline reruns' table,
    then the recipes with no committed log."""
    block = (f"{README_START}\n{table}\n\nRecipes with no committed log yet (rerun with):\n\n"
             f"{missing}\n{README_END}")
    replace_between(readme, README_START, README_END, block, "runs.py")


def main(argv: list[str] | None = None) -> None:
    report = Report(__file__, "Training runs behind the headline figures", argv)
    found = {run.name: summary(run, LOGS / run.name) for run in RUNS if (LOGS / run.name / "metrics.jsonl").exists()}
    runs_table = table(found)
    body = "\n".join([
        "Read from `benchmarks/logs/<run>/` (the run's own `metrics.jsonl`, `config.yaml`, `meta.json` and",
        "`test.json`); the curves are in the committed `metrics.jsonl` files. Training time is `fit`'s clock",
        "at the last evaluation. The machine and load above are those of this summary, not of the runs.", "",
        runs_table, "", "Not reproduced in this tree (no committed log):", "",
        missing_list(found)])
    report.write(body, RESULTS / "runs.md")
    update_readme(headline_table(), missing_list(found))
    print(runs_table)


if __name__ == "__main__":
    main(sys.argv[1:])
