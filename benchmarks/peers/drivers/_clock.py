"""The wall clock every side shares (imported by the peer drivers, inside the peers' own
environments: standard library only, no rnnlp).

The harness starts a side with ``PEERS_T0`` (epoch seconds at launch) and ``PEERS_MINUTES``
(the fixed points, e.g. ``5,10,20``). A driver calls ``marks.due()`` between training steps; at
a due point it calls ``marks.record(minute, write)``: the clock is paused while ``write(folder)``
saves the predictions, so writing them costs the side no training time. After the last point
``marks.finished`` is true and the driver stops: the budget stops a run, it never shapes it.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


class Marks:
    def __init__(self, out: str | os.PathLike, minutes: list[float] | None = None, t0: float | None = None):
        self.out = Path(out)
        self.minutes = sorted(minutes if minutes is not None else
                              [float(m) for m in os.environ["PEERS_MINUTES"].split(",")])
        self.t0 = t0 if t0 is not None else float(os.environ.get("PEERS_T0", time.time()))
        self.paused = 0.0
        self.done: list[float] = []

    def elapsed(self) -> float:
        """Seconds since launch, less the time spent writing predictions."""
        return time.time() - self.t0 - self.paused

    def due(self) -> float | None:
        """The earliest point the clock has passed and that has no predictions yet, or None."""
        left = [m for m in self.minutes if m not in self.done]
        return left[0] if left and self.elapsed() >= left[0] * 60 else None

    @property
    def finished(self) -> bool:
        return len(self.done) == len(self.minutes)

    def record(self, minute: float, write, pause: bool = True) -> None:
        """Pause the clock, ``write(folder)`` the predictions of point ``minute``, resume. ``write``
        returns the peer's own figures (a dict; the first number is the one the page shows).
        ``pause=False`` where training goes on meanwhile (a checkpoint copied beside a training
        process): that time is the side's own."""
        train_s = self.elapsed()
        start = time.time()
        folder = self.out / "points" / f"{minute:g}"
        folder.mkdir(parents=True, exist_ok=True)
        own = write(folder) or {}
        spent = time.time() - start
        (folder / "point.json").write_text(json.dumps({"minute": minute, "train_s": round(train_s, 2),
                                                       "predict_s": round(spent, 2), "own": own}, indent=1))
        self.paused += spent if pause else 0.0
        self.done.append(minute)

    def catch_up(self, write, pause: bool = True) -> None:
        """Record every point that is due (a long step may pass two)."""
        while (m := self.due()) is not None:
            self.record(m, write, pause)


def finish() -> None:
    """End the process after the last point, at once: the peer's own code would go on training or
    run its final evaluation (the budget stops a run), and some catch SystemExit."""
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def threads(n: int) -> None:
    """The same thread count for every side: torch's intra-op pool when torch is there."""
    try:
        import torch
        torch.set_num_threads(n)
        torch.set_num_interop_threads(n)
    except (ImportError, RuntimeError):
        pass


def driver_parser(doc: str) -> argparse.ArgumentParser:
    """The options every driver takes: --data (the converted data), --out (its log folder),
    --seed and --threads (default: $PEERS_THREADS, else 1)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("PEERS_THREADS", "1")))
    return parser
