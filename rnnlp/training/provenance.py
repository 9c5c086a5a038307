"""Where a figure came from: versions, source commit, threads, load, date and command.

Every checkpoint's ``meta.json`` carries ``provenance()`` (and, once the run ends, the load at
its end and how it stopped: ``rnnlp.tasks.driver``); the benchmark scripts write the same
fields into their results files. A figure whose origin cannot be told is not published.
"""

from __future__ import annotations

import functools
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy
import torch

from rnnlp.version import __version__

SOURCE = Path(__file__).resolve().parents[2]  # the checkout rnnlp runs from (when it is one)


@functools.lru_cache(maxsize=1)
def source_commit() -> dict:
    """``{"commit": sha or None, "dirty": bool or None}`` of the git checkout rnnlp runs from
    (None for an installed wheel, or where git is absent); looked up once per process."""
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(SOURCE), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout if out.returncode == 0 else None

    if not (SOURCE / ".git").exists():
        return {"commit": None, "dirty": None}
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no", "--", "rnnlp")
    return {"commit": commit.strip() if commit else None, "dirty": bool(status.strip()) if status is not None else None}


def command() -> str:
    """The command line of this process, as a user would type it again."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    head = ["rnnlp"] if name in ("rnnlp", "__main__.py") else ["python", sys.argv[0]] if sys.argv[0] else ["python"]
    return shlex.join([*head, *sys.argv[1:]])


def load_average() -> float:
    """The 1-minute load average (0.0 where the OS does not tell)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return 0.0


def provenance() -> dict:
    """The fields every meta.json and results file records."""
    return {"rnnlp_version": __version__, **source_commit(),
            "torch_version": torch.__version__.split("+")[0], "numpy_version": numpy.__version__,
            "python": platform.python_version(), "threads": torch.get_num_threads(), "cpus": os.cpu_count(),
            "load": load_average(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "command": command()}
