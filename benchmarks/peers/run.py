"""Side by side with the peers: the same data, machine, threads and minutes for rnnlp and for the
tool people use instead, as time-to-quality curves (issue 30).

    bash benchmarks/peers/setup.sh all                        # one environment per peer, pinned
    python benchmarks/peers/run.py --all --seeds 3            # every row, 1 thread
    python benchmarks/peers/run.py sst2 --seeds 1 --minutes 5,10 --threads 1
    python benchmarks/peers/run.py conll2003 --threads 2      # the 2-thread curves, separately
    python benchmarks/peers/run.py --all --threads 1,2        # both sets, one after the other
    python benchmarks/peers/run.py --report                   # only rewrite results/peers.md and plots
    python benchmarks/peers/run.py beauty --side rnnlp --variant sized --minutes 5,10   # a variant (not counted)

For each row, seed k and thread count t, both sides start on the same clock (minute 0 = the
launch of the process) with the same threads:

- rnnlp: ``rnnlp train TASK --recipe R train.seed=k train.threads=t train.save_every=N
  train.time_limit_minutes=<last point>``. The schedule is the recipe's (steps only); the last
  point's budget stops the run. At each point the harness copies the newest ``last/`` saved
  before it; afterwards each copy is scored with the task's ``evaluate`` (rnnlp's metric code).
- the peer: a driver under ``benchmarks/peers/drivers/`` run by the peer's own environment
  (``benchmarks/peers/envs/<peer>``), on the data converted once into ``benchmarks/peers/cache``.
  At each point it saves its predictions (its clock paused meanwhile) with its own figure; the
  harness scores the predictions with rnnlp's metric code (``score.py``).

Scratch (checkpoints, peers' work folders) goes to ``runs_peers/`` (ignored); the logs that the
results page is read from go to ``benchmarks/logs/peers/<row>/<side>/threads<t>/seed<k>/``
(command.json, stdout.log, points/<minute>/{point.json, scores.json, predictions (gzipped)}).
A seed whose logs are complete is not rerun. Nothing is chosen on test data: every point is
the model as it was at that minute, scored once.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # harness modules, and benchmarks/_results.py

import harness  # noqa: E402
import rows  # noqa: E402
import score  # noqa: E402
from report import write_report  # noqa: E402
from rows import ROOT, ROWS, Peer, Row, converted, glove, gold, log_folder, peer_status, rnnlp_command  # noqa: E402


def peer_command(name: str, peer: Peer, seed: int, threads: int, work: Path, data_root: Path) -> list[str]:
    python = str(harness.python_of(rows.ENVS / peer.env))
    data = str(converted(name, data_root, peer.env))
    command = [python, str(rows.DRIVERS / peer.driver), "--data", data, "--out", str(work), "--seed", str(seed),
               "--threads", str(threads)]
    if peer.env == "flair":
        command += ["--vectors", str(glove(data_root))]
    if peer.env in ("wlm", "gru4rec"):  # repositories: the user's path, recorded by setup.sh
        command += ["--path", (rows.ENVS / peer.env / "path.txt").read_text().strip()]
    return command


def complete(log: Path, minutes: list[float]) -> bool:
    return all((log / "points" / f"{m:g}" / "scores.json").is_file() for m in minutes)


def run_rnnlp(name: str, row: Row, seed: int, threads: int, minutes: list[float], data_root: Path,
              variant: str | None = None) -> None:
    side = f"rnnlp-{variant}" if variant else "rnnlp"
    log = log_folder(name, side, threads, seed)
    work = rows.RUNS / name / side / f"threads{threads}" / f"seed{seed}"
    shutil.rmtree(work, ignore_errors=True)
    command = rnnlp_command(row, seed, threads, work / "run", minutes, data_root, variant)
    warm_up(sys.executable, f"rnnlp.tasks.{row.task}, rnnlp.cli")
    record = harness.launch(command, work, threads, minutes, watch=harness.Snapshots(work / "run", work, minutes))
    collect(work, log, record)
    import torch

    torch.set_num_threads(threads)  # scored at the side's threads (more, beside another job, spin-wait)
    for minute in minutes:
        folder = work / "points" / f"{minute:g}"
        write_scores(log / "points" / f"{minute:g}", lambda: score_rnnlp(row, folder, data_root))
        shutil.rmtree(folder / "ckpt", ignore_errors=True)  # scored once; the copies with optimizer state are big


def score_rnnlp(row: Row, folder: Path, data_root: Path) -> dict:
    """The task's own evaluate (rnnlp's metric code) on the checkpoint copied at this point."""
    import rnnlp

    info = json.loads((folder / "point.json").read_text())
    if not info.get("checkpoint"):
        raise score.ScoreError("no checkpoint saved before this point")
    model = rnnlp.load(folder / info["checkpoint"])
    options = {k: str(data_root / v) for k, v in row.evaluate.items()}
    report = model.evaluate(**options)
    node = report
    for part in row.rnnlp_key.split("."):
        node = node[part]
    return {row.metric: float(node), "report": {k: v for k, v in report.items() if isinstance(v, (int, float))}}


def run_peer(name: str, row: Row, peer: Peer, seed: int, threads: int, minutes: list[float], data_root: Path,
             command: list[str] | None = None) -> None:
    """The peer's driver to its last point, then rnnlp's metric code on each point's predictions.
    ``command`` replaces the driver (the tests pass a fake peer)."""
    log = log_folder(name, peer.env, threads, seed)
    work = rows.RUNS / name / peer.env / f"threads{threads}" / f"seed{seed}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if command is None:
        command = peer_command(name, peer, seed, threads, work, data_root)
        warm_up(command[0], rows.WARM.get(peer.env, ""))
    record = harness.launch(command, work, threads, minutes)
    collect(work, log, record)
    rows.keep_status(peer.env)
    truth = gold(name, data_root)
    for minute in minutes:
        folder = log / "points" / f"{minute:g}"
        write_scores(folder, lambda: score.score_point(folder, row.kind, truth))


def warm_up(python: str, modules: str) -> None:
    if modules:
        subprocess.run([python, "-c", f"import {modules}"], capture_output=True, timeout=1800)


def collect(work: Path, log: Path, record: dict) -> None:
    """The small files of a side's work folder into its log folder (predictions gzipped)."""
    shutil.rmtree(log, ignore_errors=True)
    (log / "points").mkdir(parents=True)
    record = {**record, "command": [c.replace(str(ROOT) + "/", "") for c in record["command"]]}
    (log / "command.json").write_text(json.dumps(record, indent=1))
    shutil.copy(work / "stdout.log", log / "stdout.log")
    for point in sorted((work / "points").glob("*")) if (work / "points").is_dir() else []:
        dest = log / "points" / point.name
        dest.mkdir()
        for file in point.iterdir():
            if file.name == "point.json":
                shutil.copy(file, dest / file.name)
            elif file.name in score.FILES.values():
                (dest / (file.name + ".gz")).write_bytes(gzip.compress(file.read_bytes(), mtime=0))


def write_scores(folder: Path, fn) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        scores = fn()
    except (score.ScoreError, OSError, KeyError, ValueError) as exc:
        scores = {"error": f"{type(exc).__name__}: {exc}"}
    (folder / "scores.json").write_text(json.dumps(scores, indent=1, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="*", metavar="ROW", help=f"rows to run: {', '.join(ROWS)}")
    parser.add_argument("--all", action="store_true", help="every row")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default 3)")
    parser.add_argument("--minutes", help="points, e.g. 5,10,20 (default: the row's, within its budget)")
    parser.add_argument("--threads", default="1", help="for both sides: 1, 2, or 1,2 (each set separately; default 1)")
    parser.add_argument("--side", choices=("both", "rnnlp", "peer"), default="both", help="run one side only")
    parser.add_argument("--variant", choices=sorted(rows.VARIANTS),
                        help="with --side rnnlp: an rnnlp variant, logged beside the row (never counted toward the goals)")
    parser.add_argument("--data-root", type=Path,
                        default=Path(os.environ.get("RNNLP_DATA", ROOT.parent / "shared" / "data")))
    parser.add_argument("--report", action="store_true", help="only rewrite results/peers.md from the logs")
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args(argv)
    unknown = [r for r in args.rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown row {unknown[0]!r}; choose from: {', '.join(ROWS)}")
    if not (args.rows or args.all or args.report):
        parser.error("name rows, or --all, or --report")
    if args.variant and args.side != "rnnlp":
        parser.error("--variant runs rnnlp's side only: add --side rnnlp")
    try:
        minutes = sorted(float(m) for m in args.minutes.split(",")) if args.minutes else None
    except ValueError:
        parser.error(f"--minutes takes numbers separated by commas, got {args.minutes!r}")
    if minutes is not None and (not minutes or minutes[0] <= 0):
        parser.error("--minutes must be positive")
    threads = sorted({t.strip() for t in args.threads.split(",")})
    if not set(threads) <= {"1", "2"}:
        parser.error(f"--threads takes 1, 2 or 1,2, got {args.threads!r}")
    if not args.report:
        for count in map(int, threads):
            for name in (list(ROWS) if args.all else args.rows):
                run_row(name, ROWS[name], args, minutes or [float(m) for m in ROWS[name].minutes], count)
    print(write_report(sys.argv[1:] if argv is None else argv, plots=not args.no_plots))
    return 0


def run_row(name: str, row: Row, args, minutes: list[float], threads: int) -> None:
    side = f"rnnlp-{args.variant}" if args.variant else "rnnlp"
    for seed in range(args.seeds):
        if args.side in ("both", "rnnlp") and not complete(log_folder(name, side, threads, seed), minutes):
            run_rnnlp(name, row, seed, threads, minutes, args.data_root, args.variant)
        if args.side == "rnnlp":
            continue
        for peer in row.peers:
            status = peer_status(peer.env)
            if not status.get("ok"):
                print(f"run.py: {name}: peer {peer.env} not run: {status.get('error')}", file=sys.stderr)
            elif not complete(log_folder(name, peer.env, threads, seed), minutes):
                run_peer(name, row, peer, seed, threads, minutes, args.data_root)


if __name__ == "__main__":
    sys.exit(main())
