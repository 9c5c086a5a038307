"""The header of every benchmarks/results/*.md file, and writing one.

Each benchmark script writes its own results file through :class:`Report`; the file's first
line names the script (``collect.py`` refuses a file without it), then come the command, the
machine, the date and the load, so every figure can be traced to the run that printed it.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FIRST_LINE = "<!-- written by benchmarks/{script}: rerun that script to change this file, never edit it by hand -->"
FIRST_LINE_RE = re.compile(r"^<!-- written by benchmarks/((?:[A-Za-z0-9_]+/)?[A-Za-z0-9_]+\.py):")


def script_named(first_line: str) -> str | None:
    """The script a results file's first line names (``timeseries.py``, ``peers/run.py``), or None."""
    match = FIRST_LINE_RE.match(first_line)
    return match.group(1) if match else None


def alternating(fns: dict, repeats: int) -> tuple[dict[str, float], dict]:
    """The benchmarks' protocol: one untimed warm-up call of each function, then ``repeats``
    rounds calling each once in turn. Returns (median seconds, last result) per name."""
    last = {name: fn() for name, fn in fns.items()}
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            last[name] = fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}, last


def _cpu_model() -> str:
    try:  # Linux only; elsewhere the platform's word for the processor
        text = Path("/proc/cpuinfo").read_text()
        return re.search(r"model name\s*:\s*(.+)", text).group(1).strip()
    except (OSError, AttributeError):
        return platform.processor() or "unknown CPU"


def machine() -> str:
    """CPU count and model, Python and the versions of the numeric libraries loaded."""
    libs = [f"{name} {sys.modules[name].__version__}" for name in ("numpy", "scipy", "torch", "statsmodels", "gensim")
            if name in sys.modules and hasattr(sys.modules[name], "__version__")]
    return ", ".join([f"{os.cpu_count()} CPUs ({_cpu_model()})", f"{platform.system()} {platform.machine()}",
                      f"Python {platform.python_version()}", *libs])


def source() -> str:
    """rnnlp's version and the git commit of this checkout (``+dirty`` with uncommitted changes to
    rnnlp/ or benchmarks/), so a results file names the code that printed it."""
    import subprocess

    from rnnlp import __version__

    def git(*args):
        try:
            out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10)
            return out.stdout.strip() if out.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):
            return None

    commit = git("rev-parse", "--short=12", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "rnnlp", "benchmarks")
    return f"rnnlp {__version__}, commit {commit or 'unknown'}{'+dirty' if dirty else ''}"


class Report:
    """Started when the benchmark starts (date and load then); ``write`` adds the load at the end."""

    def __init__(self, script_file: str, title: str, argv: list[str] | None = None):
        path = Path(script_file).resolve()  # benchmarks/x.py -> x.py; benchmarks/peers/run.py -> peers/run.py
        bench = ROOT / "benchmarks"
        self.script = path.relative_to(bench).as_posix() if path.is_relative_to(bench) else path.name
        self.title = title
        self.argv = list(sys.argv[1:] if argv is None else argv)
        self.started = datetime.now(timezone.utc)
        self.load_start = os.getloadavg()[0]

    def header(self) -> str:
        command = " ".join(["python", f"benchmarks/{self.script}", *self.argv])
        minutes = (datetime.now(timezone.utc) - self.started).total_seconds() / 60
        return "\n".join([
            FIRST_LINE.format(script=self.script), f"# {self.title}", "",
            f"Command: `{command}`  ",
            f"Code: {source()}  ",
            f"Machine: {machine()}  ",
            f"Date: {self.started:%Y-%m-%d %H:%M} UTC, {minutes:.1f} minutes  ",
            f"Load average (1 min): {self.load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
            f"(on {os.cpu_count()} CPUs; above that, other jobs shared the machine)", ""])

    def write(self, body: str, path: Path) -> str:
        """Write header + body to ``path`` atomically; return the text."""
        from rnnlp.io import atomic_write_text

        text = self.header() + "\n" + body.strip() + "\n"
        atomic_write_text(Path(path), text)
        return text


def replace_between(path: Path, start: str, end: str, block: str, script: str) -> None:
    """Replace ``block`` (which starts with marker ``start`` and ends with ``end``) for the text
    between those markers in ``path``, atomically; a file without them stops ``script``."""
    from rnnlp.io import atomic_write_text

    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{script}: {path.name} lacks the markers {start!r} ... {end!r}")
    atomic_write_text(path, pattern.sub(lambda _: block, text))
