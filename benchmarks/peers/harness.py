"""The harness both sides share: launching a side on the shared clock, snapshotting rnnlp's
checkpoints at the fixed points, curves over seeds, and the time-to-quality ratio.

A side's log folder is ``benchmarks/logs/peers/<row>/<side>/seed<k>/``: ``command.json`` (the
command, threads, points, load), ``stdout.log``, and ``points/<minute>/`` with what the side
saved there (``point.json`` and its predictions) and ``scores.json`` (rnnlp's metric code).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

# -- curves -------------------------------------------------------------------------------


def read_points(folder: Path, key: str) -> dict[float, float]:
    """{minute: figure} of one side's seed folder, from each point's scores.json."""
    out = {}
    for path in sorted(Path(folder).glob("points/*/scores.json")):
        value = json.loads(path.read_text()).get(key)
        if isinstance(value, (int, float)):
            out[float(path.parent.name)] = float(value)
    return out


def curve(seeds: list[dict[float, float]]) -> list[tuple[float, float, float, float, int]]:
    """(minute, median, lowest, highest, seeds) at every minute any seed reached."""
    minutes = sorted({m for s in seeds for m in s})
    out = []
    for m in minutes:
        values = [s[m] for s in seeds if m in s]
        out.append((m, statistics.median(values), min(values), max(values), len(values)))
    return out


def better(a: float, b: float, lower_is_better: bool) -> bool:
    """a at least as good as b."""
    return a <= b if lower_is_better else a >= b


def time_to(points: list[tuple[float, float]], target: float, lower_is_better: bool) -> float | None:
    """The first minute whose figure reaches ``target`` (points in time order), or None."""
    for minute, value in sorted(points):
        if better(value, target, lower_is_better):
            return minute
    return None


def best_point(points: list[tuple[float, float]], lower_is_better: bool) -> tuple[float, float] | None:
    """(minute, figure) of the best figure, the earliest minute on a tie."""
    if not points:
        return None
    best = points[0]
    for minute, value in sorted(points):
        if not better(best[1], value, lower_is_better) or (value == best[1] and minute < best[0]):
            best = (minute, value)
    return best


def ratios(ours: list[tuple[float, float]], peer: list[tuple[float, float]], lower_is_better: bool) -> dict:
    """The time-to-quality ratio both ways, on median curves (minute, figure):

    - ``peer_over_rnnlp``: minutes the peer needed for its best figure / minutes rnnlp needed
      to reach that figure (None when rnnlp never reached it: then rnnlp is behind);
    - ``rnnlp_over_peer``: the reverse, minutes rnnlp needed for its best / minutes the peer
      needed to reach it (None when the peer never reached it).
    Minutes are the fixed points, so a figure first reached between two points counts at the later one.
    """
    out = {"peer_over_rnnlp": None, "rnnlp_over_peer": None, "peer_best": best_point(peer, lower_is_better),
           "rnnlp_best": best_point(ours, lower_is_better)}
    if out["peer_best"]:
        reached = time_to(ours, out["peer_best"][1], lower_is_better)
        out["rnnlp_reaches_peer_best_at"] = reached
        out["peer_over_rnnlp"] = out["peer_best"][0] / reached if reached else None
    if out["rnnlp_best"]:
        reached = time_to(peer, out["rnnlp_best"][1], lower_is_better)
        out["peer_reaches_rnnlp_best_at"] = reached
        out["rnnlp_over_peer"] = out["rnnlp_best"][0] / reached if reached else None
    return out


def ahead_everywhere(ours: list[tuple[float, float]], peer: list[tuple[float, float]], lower_is_better: bool) -> bool:
    """rnnlp at or above the peer at every point both sides have."""
    theirs = dict(peer)
    shared = [(m, v) for m, v in ours if m in theirs]
    return bool(shared) and all(better(v, theirs[m], lower_is_better) for m, v in shared)


# -- running a side --------------------------------------------------------------------------
def side_env(threads: int, minutes: list[float], t0: float, extra: dict | None = None) -> dict:
    """The environment every side gets: the same thread count for every library, the points, the clock."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = str(threads)
    env.update({"PEERS_T0": repr(t0), "PEERS_MINUTES": ",".join(f"{m:g}" for m in minutes),
                "PEERS_THREADS": str(threads), "PYTHONUNBUFFERED": "1", **(extra or {})})
    return env


def launch(command: list[str], log: Path, threads: int, minutes: list[float], env: dict | None = None,
           cwd: Path | None = None, watch=None, grace_s: float = 1800.0) -> dict:
    """Run one side to its last point and return what happened (written to command.json too).

    With ``watch(elapsed_s, proc)`` (rnnlp's snapshots, called four times a second) the side is stopped
    with SIGINT once ``watch`` says every point is recorded. Without it (a peer's driver) the side
    ends by itself after its last point (it may still be predicting then, e.g. translating each
    saved checkpoint). Either is killed ``grace_s`` after the last point: predicting at points
    pauses a peer's clock, not the wall's.
    """
    log.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    record = {"command": command, "cwd": str(cwd) if cwd else None, "threads": threads, "minutes": minutes,
              "load_start": round(os.getloadavg()[0], 2), "started": time.strftime("%Y-%m-%d %H:%M:%S UTC",
                                                                                  time.gmtime(t0))}
    with open(log / "stdout.log", "w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                env=side_env(threads, minutes, t0, env), start_new_session=True)
        record["stopped"] = _wait(proc, t0, minutes, watch, grace_s, log)
    record.update({"returncode": proc.returncode, "wall_s": round(time.time() - t0, 1),
                   "load_end": round(os.getloadavg()[0], 2)})
    (log / "command.json").write_text(json.dumps(record, indent=1))
    return record


def _wait(proc, t0: float, minutes: list[float], watch, grace_s: float, log: Path) -> str:
    deadline = t0 + max(minutes) * 60 + grace_s
    while proc.poll() is None:
        time.sleep(0.25)
        complete = bool(watch and watch(time.time() - t0, proc))
        if complete or time.time() > deadline:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            return "every point recorded" if complete else f"killed {grace_s:.0f} s after the last point"
    if watch:  # it ended before the last point: its final checkpoint stands for the points left
        watch(time.time() - t0, proc, ended=True)
    return "exited by itself"


class Snapshots:
    """rnnlp's side: at each point, copy the newest ``last/`` that the run saved before it
    (``train.save_every`` steps apart) into ``points/<minute>/ckpt``: the model as it was at
    that minute, or a little before (never after)."""

    def __init__(self, run: Path, log: Path, minutes: list[float]):
        self.run, self.log, self.minutes, self.done = Path(run), Path(log), sorted(minutes), []

    def __call__(self, elapsed_s: float, proc=None, ended: bool = False) -> bool:
        for minute in self.minutes:
            if minute not in self.done and (ended or elapsed_s >= minute * 60):
                self._copy(minute, elapsed_s, ended)
                self.done.append(minute)
        return len(self.done) == len(self.minutes)

    def _copy(self, minute: float, elapsed_s: float, ended: bool) -> None:
        folder = self.log / "points" / f"{minute:g}"
        folder.mkdir(parents=True, exist_ok=True)
        info = {"minute": minute, "train_s": round(elapsed_s, 2), "checkpoint": None, "run_ended": ended}
        last = self.run / "last"
        for _ in range(10):  # last/ being replaced (absent for a moment, or renamed during the copy): again
            try:
                before = (last / "meta.json").read_bytes()
                shutil.rmtree(folder / "ckpt", ignore_errors=True)
                shutil.copytree(last, folder / "ckpt")
                same = (folder / "ckpt" / "meta.json").read_bytes() == before == (last / "meta.json").read_bytes()
            except (OSError, shutil.Error):
                same = False
            if same:
                info["checkpoint"] = "ckpt"
                info["saved"] = json.loads(before).get("step") or json.loads(before).get("run")
                break
            if not self.run.is_dir() or (not last.exists() and not any(self.run.glob("*last*"))):
                break  # nothing saved yet
            time.sleep(0.2)
        (folder / "point.json").write_text(json.dumps(info, indent=1, default=str))


def python_of(env_dir: Path) -> Path:
    return Path(env_dir) / "bin" / "python"


def rnnlp_python() -> str:
    return sys.executable
