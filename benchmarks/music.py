"""Polyphonic music (issue 29): frame NLL on JSB Chorales and Nottingham, beside a constant
baseline and the published figures.

Each row is a recipe of recipes/music/ trained with its fixed epochs, one CPU thread; the
checkpoint kept (best/) is the one with the lowest validation NLL, and only that checkpoint is
scored on the test split, once. One training at a time, each in its own process:

    RNNLP_DATA=../shared/data python benchmarks/music.py train jsb_lstm --seed 0
    python benchmarks/music.py report          # writes benchmarks/results/music.md
    python benchmarks/music.py pieces jsb_nade  # example MIDI/WAV/PNG in benchmarks/results/music/
    # an attempt beside a row (overrides before the options; its logs under its own name):
    python benchmarks/music.py train nottingham_lstm model.dropout=0.5 --seed 0 --name nottingham_lstm_dropout05

``train`` copies the run's own files (metrics.jsonl, config.yaml, meta.json) to
benchmarks/logs/music/<row>/seed<k>/ with test.json: the test and validation reports, the
training minutes, the thread count and the load average at the start and end of the run.
``report`` reads those folders (the median over the seeds found) and computes the constant
baseline: each key sounds with its frequency in the training frames, independently.
Protocol: NLL of each frame given the frames before it, nats summed over the 88 keys, averaged
over every frame of the split (frame-weighted); the piece-weighted mean is given beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from _results import RESULTS, ROOT, Report

import rnnlp

LOGS = ROOT / "benchmarks" / "logs" / "music"
DATA = {"jsb": "music/poly/JSB_Chorales.mat", "nottingham": "music/poly/Nottingham.mat"}
# row -> (recipe, data set, goal on test NLL: <= goal)
ROWS = {"jsb_lstm": ("recipes/music/jsb_lstm.yaml", "jsb", 8.45),
        "jsb_nade": ("recipes/music/jsb_nade.yaml", "jsb", 7.0),
        "nottingham_lstm": ("recipes/music/nottingham_lstm.yaml", "nottingham", 3.29),
        "nottingham_nade": ("recipes/music/nottingham_nade.yaml", "nottingham", 2.6)}
# earlier recipes of a row, kept with their logs (config.yaml says what differed): row -> (data set, label)
ATTEMPTS = {"nottingham_lstm_cosine": ("nottingham", "LSTM, 88 Bernoulli keys, cosine LR decay (attempt; "
                                                     "the recipe keeps a constant LR)"),
            "nottingham_lstm_dropout05": ("nottingham", "LSTM, 88 Bernoulli keys, model.dropout=0.5 (attempt)"),
            "nottingham_lstm_ema0999": ("nottingham", "LSTM, 88 Bernoulli keys, train.ema=0.999: the weights' moving "
                                                      "average evaluated and kept (attempt)")}
# reruns of a row's seed on later code: name -> (row, seed); report compares their metrics.jsonl with the row's
RERUNS = {"jsb_lstm_v030check": ("jsb_lstm", 0)}
# fields of metrics.jsonl that measure the clock, not the model (left out of the comparison)
TIMING = {"elapsed_s", "tokens_per_s"}
LABELS = {"jsb_lstm": "LSTM, 88 Bernoulli keys", "jsb_nade": "LSTM + NADE keys (within-frame)",
          "nottingham_lstm": "LSTM, 88 Bernoulli keys", "nottingham_nade": "LSTM + NADE keys (within-frame)"}
# test NLL (nats/frame) as published: Bai et al. 2018 (LSTM, GRU, TCN), Boulanger-Lewandowski et al. 2012
PUBLISHED = {"LSTM (Bai et al. 2018)": (8.45, 3.29), "GRU (Bai et al. 2018)": (8.43, 3.46),
             "TCN (Bai et al. 2018)": (8.10, 3.07), "RNN-RBM (Boulanger-Lewandowski 2012)": (6.27, 2.39),
             "RNN-NADE (Boulanger-Lewandowski 2012)": (5.19, 2.31)}


def train(row: str, seed: int, data_root: str, runs: Path, overrides: list[str], name: str | None = None) -> Path:
    """Train one row's recipe with ``seed`` and copy its logs and the test score to LOGS/``name``
    (an attempt with ``overrides`` gets its own name: see ``ATTEMPTS``)."""
    recipe, dataset, _ = ROWS[row]
    name = name or row
    out = runs / name / f"seed{seed}"
    load_start, start, commit = os.getloadavg()[0], time.perf_counter(), _commit()  # the code as the run starts
    rnnlp.api.train("music", str(ROOT / recipe), [f"train.seed={seed}", f"train.output={out}", "train.threads=1",
                                                  "train.progress=false", f"data.root={data_root}", *overrides],
                    overwrite=True)
    minutes = (time.perf_counter() - start) / 60
    model = rnnlp.load(out)  # best/: chosen on the validation split
    report = {"row": row, "name": name, "seed": seed, "recipe": recipe, "overrides": overrides, "commit": commit,
              "train_minutes": minutes,
              "threads": 1, "load_start": load_start, "load_end": os.getloadavg()[0],
              "test": model.evaluate(split="test"), "valid": model.evaluate(split="valid")}
    dest = LOGS / name / f"seed{seed}"
    dest.mkdir(parents=True, exist_ok=True)
    for file, source in (("metrics.jsonl", out / "metrics.jsonl"), ("config.yaml", out / "best" / "config.yaml"),
                         ("meta.json", out / "best" / "meta.json")):
        shutil.copy(source, dest / file)
    (dest / "test.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{name} seed {seed}: valid {report['valid']['loss']:.4f}, test {report['test']['loss']:.4f} "
          f"nats/frame, {minutes:.1f} min")
    return dest


def _commit() -> str:
    """The checked-out commit (with "+changes" when the work tree differs from it)."""
    import subprocess

    run = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()  # noqa: E731
    dirty = run("status", "--porcelain", "--untracked-files=no", "rnnlp", "recipes")
    return run("rev-parse", "--short", "HEAD") + ("+changes" if dirty else "")


def constant_baseline(path: Path) -> dict:
    """Test (and valid) NLL when each key sounds with its training frequency, independently."""
    from rnnlp.data.music import read_rolls

    train = np.concatenate(read_rolls(path, "train")).astype(np.float64)
    p = np.clip(train.mean(0), 1e-6, 1 - 1e-6)  # a key never heard in training: nearly never
    out = {}
    for split in ("valid", "test"):
        rolls = read_rolls(path, split)
        nll = [-(r * np.log(p) + (1 - r) * np.log(1 - p)).sum(1) for r in rolls]
        out[split] = float(np.concatenate(nll).mean())
    return out


def seeds_of(row: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((LOGS / row).glob("seed*/test.json"))]


def table(data_root: Path) -> str:
    lines = ["| data | model | seeds | valid NLL | test NLL | test NLL, piece-weighted | frame accuracy (test) "
             "| steps trained | minutes each | load start/end | goal |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for dataset, name in (("jsb", "JSB Chorales"), ("nottingham", "Nottingham")):
        base = constant_baseline(data_root / DATA[dataset])
        lines.append(f"| {name} | constant (training key frequencies) | | {base['valid']:.4f} | {base['test']:.4f} "
                     "| | | | | | |")
        for row, (_, data, goal) in ROWS.items():
            if data == dataset:
                lines.append(_row_line(name, row, goal))
        for row, (data, label) in ATTEMPTS.items():
            if data == dataset and seeds_of(row):
                lines.append(_row_line(name, row, None, label))
    return "\n".join(lines)


def _row_line(name: str, row: str, goal: float | None, label: str | None = None) -> str:
    found, label = seeds_of(row), label or LABELS[row]
    if not found:
        return f"| {name} | {label} | not run | | | | | | | | <= {goal} |"
    med = lambda f: statistics.median(f(r) for r in found)  # noqa: E731
    steps = [json.loads(line).get("step", 0) for r in found
             for line in (LOGS / row / f"seed{r['seed']}" / "metrics.jsonl").read_text().splitlines()[-1:]]
    test = med(lambda r: r["test"]["loss"])
    seeds = ", ".join(str(r["seed"]) for r in found)
    loads = "; ".join(f"{r['load_start']:.1f}/{r['load_end']:.1f}" for r in found)
    minutes = ", ".join(f"{r['train_minutes']:.1f}" for r in found)
    verdict = f"<= {goal}: {'met' if test <= goal else 'not met'}" if goal is not None else "(attempt)"
    return (f"| {name} | {label} | {seeds} | {med(lambda r: r['valid']['loss']):.4f} | **{test:.4f}** | "
            f"{med(lambda r: r['test']['piece_loss']):.4f} | {med(lambda r: r['test']['accuracy']):.4f} | "
            f"{max(steps)} | {minutes} | {loads} | {verdict} |")


def selection() -> str:
    """Which variant the validation split chooses for each row that has attempts: per seed, the
    row's valid NLL against the attempt's; test is only read for the variant chosen."""
    said = []
    for attempt, (data, label) in ATTEMPTS.items():
        row = next((r for r in LABELS if r.startswith(data) and attempt.startswith(r)), None)
        mine, theirs = {r["seed"]: r for r in seeds_of(row)} if row else {}, {r["seed"]: r for r in seeds_of(attempt)}
        common = sorted(set(mine) & set(theirs))
        if not common:
            continue
        wins = [s for s in common if theirs[s]["valid"]["loss"] < mine[s]["valid"]["loss"]]
        pairs = ", ".join(f"seed {s} {theirs[s]['valid']['loss']:.4f} vs {mine[s]['valid']['loss']:.4f}" for s in common)
        if len(wins) == len(common) == len(mine):
            test = statistics.median(theirs[s]["test"]["loss"] for s in common)
            said.append(f"- `{attempt}` against `{row}`: lower valid NLL on every seed ({pairs}): the validation split "
                        f"chooses it; its test NLL, median of {len(common)} seeds: **{test:.4f}**.")
        else:
            said.append(f"- `{attempt}` against `{row}`: lower valid NLL on {len(wins)} of {len(common)} seeds "
                        f"({pairs}): not chosen.")
    return "\n".join(["Selection on the validation split (attempts against their row, seed by seed):", *said]) if said else ""


def published() -> str:
    lines = ["| published model | JSB test NLL | Nottingham test NLL |", "|---|---|---|"]
    lines += [f"| {name} | {jsb:.2f} | {nott:.2f} |" for name, (jsb, nott) in PUBLISHED.items()]
    return "\n".join(lines)


def per_seed() -> str:
    lines = ["| row | seed | valid NLL | test NLL | minutes | load start/end | rnnlp | commit | log |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in [*ROWS, *ATTEMPTS, *RERUNS]:
        for r in seeds_of(row):
            meta = json.loads((LOGS / row / f"seed{r['seed']}" / "meta.json").read_text())
            lines.append(f"| {row} | {r['seed']} | {r['valid']['loss']:.4f} | {r['test']['loss']:.4f} | "
                         f"{r['train_minutes']:.1f} | {r['load_start']:.1f}/{r['load_end']:.1f} | "
                         f"{meta.get('rnnlp_version', '?')} | {r.get('commit', 'not recorded')} | "
                         f"`benchmarks/logs/music/{row}/seed{r['seed']}/` |")
    return "\n".join(lines)


def rerun_check(name: str) -> str | None:
    """One sentence: does the rerun ``name`` log the same metrics, step for step, as its row's seed
    (timing fields left out)? None while the rerun has no logs."""
    row, seed = RERUNS[name]
    new_dir, old_dir = LOGS / name / f"seed{seed}", LOGS / row / f"seed{seed}"
    if not (new_dir / "test.json").exists():
        return None
    read = lambda d: [{k: v for k, v in json.loads(line).items() if k not in TIMING}  # noqa: E731
                      for line in (d / "metrics.jsonl").read_text().splitlines()]
    version = lambda d: json.loads((d / "meta.json").read_text()).get("rnnlp_version", "?")  # noqa: E731
    new, old = read(new_dir), read(old_dir)
    tests = [json.loads((d / "test.json").read_text()) for d in (new_dir, old_dir)]
    head = (f"`{name}` reran `{row}` seed {seed} on rnnlp {version(new_dir)} (commit {tests[0].get('commit', '?')}) "
            f"against the logged run on rnnlp {version(old_dir)} (commit {tests[1].get('commit', '?')})")
    figures = (f"valid {tests[0]['valid']['loss']:.4f} against {tests[1]['valid']['loss']:.4f}, test "
               f"{tests[0]['test']['loss']:.4f} against {tests[1]['test']['loss']:.4f}")
    configs = [_flat(yaml.safe_load((d / "config.yaml").read_text())) for d in (new_dir, old_dir)]
    changed = sorted(k for k in configs[0].keys() | configs[1].keys()
                     if k != "train.output" and configs[0].get(k, "absent") != configs[1].get(k, "absent"))
    config = ("; config.yaml differs only in "
              + ", ".join(f"{k} ({configs[1].get(k, 'absent')} then, {configs[0].get(k, 'absent')} now)"
                          for k in changed) if changed else "; config.yaml the same") + " (train.output aside)"
    if new == old and all(tests[0][s] == tests[1][s] for s in ("valid", "test")):
        return (f"{head}: its metrics.jsonl ({len(new)} rows) is identical but for the timing fields "
                f"({', '.join(sorted(TIMING))}), and so are the reports ({figures}){config}.")
    shared = [(a, b) for a, b in zip(new, old)]
    diffs = [abs(a[k] - b[k]) for a, b in shared for k in a.keys() & b.keys()
             if isinstance(a[k], float) and isinstance(b[k], float)]
    first = next((a.get("step") for a, b in shared if a != b), None)
    return (f"{head}: the logs differ ({len(new)} rows against {len(old)}; first difference at step {first}; "
            f"largest difference of a logged float {max(diffs, default=0.0):.3g}); {figures}{config}.")


def _flat(tree: dict, prefix: str = "") -> dict:
    """A nested config as dotted keys."""
    out = {}
    for key, value in tree.items():
        out.update(_flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return out


def report(data_root: Path) -> None:
    import torch

    rep = Report(__file__, "Polyphonic music: JSB Chorales and Nottingham (frame NLL)")
    metas = [json.loads((p.parent / "meta.json").read_text()).get("provenance", {}) for p in LOGS.glob("*/seed*/test.json")]
    numpys = sorted({m["numpy_version"] for m in metas if m.get("numpy_version")}) or [np.__version__]
    versions = f"torch {torch.__version__}, numpy {', '.join(numpys)} (the runs' meta.json)"
    commits = sorted({json.loads((p.parent / "meta.json").read_text()).get("rnnlp_version", "?")
                      for p in LOGS.glob("*/seed*/test.json")})
    body = "\n\n".join([
        "Protocol: NLL of each frame given the frames before it (the first from a learned start frame), nats "
        "summed over the 88 keys, averaged over every frame of the split (frame-weighted, the literature's "
        "figure); the piece-weighted mean beside it. best/ is chosen on the validation split; test is scored "
        "once, from best/. Frame accuracy: Bay et al. 2009, TP/(TP+FP+FN) summed over frames, keys predicted "
        "with probability > 0.5 (NADE: key by key, each conditional > 0.5 given the keys chosen below it). "
        f"Each run: its recipe's fixed epochs (no time budget), one CPU thread, {versions}, rnnlp "
        f"{', '.join(commits)}. Minutes and the load at the start/end of each run come from its test.json "
        "(the machine is a shared 2-core CPU: other jobs ran beside some runs). Commit: the checkout the run "
        "used (rnnlp/ and recipes/ never changed during a run; the first four runs' were filled in afterwards "
        "from git log, the JSB seeds 1-2 name the checkout when the run ended).",
        table(data_root), *filter(None, (selection(), *(rerun_check(name) for name in RERUNS))), "Per seed (logs: metrics.jsonl, config.yaml, meta.json, test.json):", per_seed(),
        "Published test figures (not measured here):", published()])
    print(rep.write(body, RESULTS / "music.md"))


def pieces(rows: list[str], runs: Path, seed: int = 0, seconds: float = 20.0, bpm: float = 120.0) -> None:
    """Example pieces of each row's seed-0 run: MIDI, a WAV of ``seconds`` and a PNG, beside a
    README naming the command that makes each (benchmarks/results/music/)."""
    folder = RESULTS / "music"
    folder.mkdir(exist_ok=True)
    lines = ["# Example pieces", "", f"Written by `python benchmarks/music.py pieces` from the runs of "
             "`benchmarks/music.py train ROW --seed 0` (weights not committed); each file is what this "
             "command writes:", "", "```bash"]
    for row in rows:
        model = rnnlp.load(runs / row / "seed0")
        steps = round(seconds * bpm / 60 * model.steps_per_beat)  # frames of ``seconds`` at ``bpm``
        roll = model.generate(steps=steps, seed=seed)
        for suffix in ("mid", "wav", "png"):
            name = f"{row}_seed{seed}.{suffix}"
            model.save(roll, folder / name, bpm=bpm)
            lines.append(f"rnnlp generate runs/music_bench/{row}/seed0 --steps {steps} --seed {seed} --bpm {bpm:g} "
                         f"--output {name}")
        print(f"{row}: {steps} frames, {int(roll.sum())} key-frames, {roll.sum(1).mean():.2f} keys a frame")
    lines += ["```", "", f"{seconds:g} s at {bpm:g} quarter notes a minute; sampled at temperature 1 with no "
              "note limit (the model's own distribution). The WAV is the additive synthesizer of "
              "`rnnlp.data.synth`."]
    (folder / "README.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("train", help="train one row with one seed and keep its logs")
    one.add_argument("row", choices=sorted(ROWS))
    one.add_argument("--seed", type=int, default=0)
    one.add_argument("--name", help="log folder of an attempt with overrides (default: the row)")
    one.add_argument("--runs", type=Path, default=ROOT / "runs" / "music_bench")
    one.add_argument("overrides", nargs="*", help="SECTION.FIELD=VALUE (recorded in test.json)")
    sub.add_parser("report", help="write benchmarks/results/music.md from the logs")
    ex = sub.add_parser("pieces", help="write example pieces of trained rows to benchmarks/results/music/")
    ex.add_argument("rows", nargs="+", choices=sorted(ROWS))
    ex.add_argument("--runs", type=Path, default=ROOT / "runs" / "music_bench")
    args = parser.parse_args(argv)
    data_root = os.environ.get("RNNLP_DATA", str(ROOT.parent / "shared" / "data"))
    if args.command == "train":
        train(args.row, args.seed, data_root, args.runs, args.overrides, args.name)
    elif args.command == "pieces":
        pieces(args.rows, args.runs)
    else:
        report(Path(data_root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
