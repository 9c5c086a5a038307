"""For peers driven through their own command line (OpenNMT-py / eole, RecBole's checkpoints):
run the training command, copy the newest checkpoint it saved before each point (the same rule
as rnnlp's side), stop it after the last point, then predict from each copy. Standard library."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from _clock import Marks

STABLE_S = 2.0  # a checkpoint whose size has not changed for this long is complete


def train_and_snapshot(command: list[str], pattern: str, marks: Marks, log: Path, cwd=None) -> dict:
    """Run ``command``; at each point copy the newest file matching ``pattern`` to
    ``points/<minute>/ckpt<suffix>``; SIGINT it once every point has one (or it ended)."""
    log.mkdir(parents=True, exist_ok=True)
    with open(log / "train.log", "w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
        while proc.poll() is None and not marks.finished:
            time.sleep(0.25)
            marks.catch_up(lambda folder: _copy_newest(pattern, folder), pause=False)  # it trains meanwhile
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    marks.catch_up(lambda folder: _copy_newest(pattern, folder), pause=False)
    for minute in marks.minutes:  # it ended before a point: its last checkpoint there
        if minute not in marks.done:
            marks.record(minute, lambda folder: _copy_newest(pattern, folder), pause=False)
    return {"returncode": proc.returncode}


def _size(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files)


def _copy_newest(pattern: str, folder: Path) -> dict:
    found = sorted(glob.glob(pattern), key=os.path.getmtime)
    if not found:
        return {"checkpoint": None}
    newest = Path(found[-1])
    for _ in range(30):  # a checkpoint still being written: wait until its size stops changing
        before = _size(newest)
        time.sleep(STABLE_S)
        if _size(newest) == before:
            break
    target = folder / ("ckpt" + "".join(newest.suffixes))
    shutil.copy(newest, target) if newest.is_file() else shutil.copytree(newest, target)
    return {"checkpoint": target.name, "source": newest.name}


def checkpoint_of(folder: Path) -> Path | None:
    info = json.loads((folder / "point.json").read_text())
    name = (info.get("own") or {}).get("checkpoint")
    return folder / name if name else None
