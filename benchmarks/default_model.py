"""The default model: `rnnlp train sentiment` with no arguments, timed, then `rnnlp predict` on it.

    python benchmarks/default_model.py [--threads 2] [--no-log]

Runs the real command (bundled full SST-2 + trimmed GloVe 50d, the default config) in a fresh
run folder, with `train.threads=--threads` (2 = the 2-core claim; 1 on a shared machine) and no
progress bar, and measures its wall time and the CPU time it used. Then runs `rnnlp predict` on
the checkpoint. Writes benchmarks/results/default_model.md (times, dev accuracy, both commands'
output as printed), the block between README's `default run` markers, and (unless --no-log)
copies the run's metrics.jsonl, config.yaml and meta.json to benchmarks/logs/main_job/ for
benchmarks/runs.py.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import RESULTS, ROOT, Report, replace_between

LOG = ROOT / "benchmarks" / "logs" / "main_job"
README_START, README_END = "<!-- default run: benchmarks/default_model.py -->", "<!-- end of default run -->"
TEXTS = ["a gripping, funny film", "a dull mess"]


def rnnlp(*args: str) -> tuple[str, float, float]:
    """(stdout + stderr, wall seconds, CPU seconds of the child) of ``rnnlp ARGS``; fails loudly."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rnnlp", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"rnnlp {' '.join(args)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stderr + done.stdout, wall, cpu


def shown(output: str, run: Path) -> str:
    """The output with the temporary run folder written as the README's `runs/default`, and the
    bundled files' paths from the package folder (this checkout's location means nothing elsewhere)."""
    return output.replace(str(run), "runs/default").replace(f"{ROOT}/", "").strip()


def best_accuracy(run: Path) -> dict:
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines() if x.strip()]
    return max(rows, key=lambda r: (r["accuracy"], -r["step"]))


def readme_block(train_out: str, predict_out: str, wall: float, cpu: float, threads: int, load: float) -> str:
    return "\n".join([
        README_START,
        f"Measured by `python benchmarks/default_model.py --threads {threads}`: {wall / 60:.1f} min wall time and "
        f"{cpu:.0f} s of CPU time on {threads} thread(s), load average {load:.1f} on {os.cpu_count()} CPUs when it "
        "started (`benchmarks/results/default_model.md`):", "",
        "```text", f"$ rnnlp train sentiment -o runs/default train.threads={threads} train.progress=false", train_out,
        f"$ rnnlp predict runs/default {' '.join(repr(t).replace(chr(39), chr(34)) for t in TEXTS)}", predict_out, "```",
        README_END])


def copy_log(run: Path) -> None:
    LOG.mkdir(parents=True, exist_ok=True)
    for name in ("metrics.jsonl", "best/config.yaml", "best/meta.json"):
        shutil.copyfile(run / name, LOG / Path(name).name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-log", action="store_true", help="do not replace benchmarks/logs/main_job")
    args = parser.parse_args(argv)
    report = Report(__file__, "The default model: `rnnlp train sentiment`, no arguments", argv)
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "default"
        train_out, wall, cpu = rnnlp("train", "sentiment", "-o", str(run), f"train.threads={args.threads}",
                                     "train.progress=false")
        predict_out, _, _ = rnnlp("predict", str(run), *TEXTS)
        best = best_accuracy(run)
        if not args.no_log:
            copy_log(run)
        train_out, predict_out = shown(train_out, run), shown(predict_out, run)
    verdict = "yes" if wall < 180 else "no"
    body = "\n".join([
        f"`rnnlp train sentiment -o RUN train.threads={args.threads} train.progress=false` (the default config on "
        "the bundled full SST-2 training set and trimmed GloVe 50d; the dev set is the 872 GLUE SST-2 dev "
        "sentences, both the selection set and the reported set; seed 0, one run).", "",
        "| threads | load at start | wall time (training command) | CPU time used | best dev accuracy (step, epoch) | "
        "wall time under 3 minutes |", "|---:|---:|---:|---:|---|---|",
        f"| {args.threads} | {report.load_start:.1f} | {wall:.0f} s | {cpu:.0f} s | {best['accuracy']:.4f} "
        f"({best['step']}, {best['epoch']}) | {verdict} |", "",
        "Both times are those of the training command (CPU: user + system). On a loaded machine the wall time "
        "stretches with the load and the CPU time much less, so CPU time is the better guide to an idle machine. "
        "Output, as printed (paths shortened to the package folder):", "",
        "```text", train_out, "```", "", "```text", predict_out, "```"])
    print(report.write(body, RESULTS / "default_model.md"))
    block = readme_block(train_out, predict_out, wall, cpu, args.threads, report.load_start)
    replace_between(ROOT / "README.md", README_START, README_END, block, "default_model.py")


if __name__ == "__main__":
    main(sys.argv[1:])
