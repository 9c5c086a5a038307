"""Run folders: one run per folder, and no half-made folder left behind.

``-o RUN`` on a folder that already holds a run is refused before any data is read, unless the
user asks for ``--overwrite`` (or meant ``--resume RUN``): two runs mixed in one folder would
append to one ``metrics.jsonl`` and leave a ``best/`` that belongs to either. With
``--overwrite`` the old run is set aside and deleted only once the new run has written its
first checkpoint; a run stopped before that (Ctrl-C in the first seconds, an error) removes what
it wrote and puts the old run back, so the folder is as it was - or absent if it was.
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rnnlp.errors import ConfigError

ENTRIES = ("best", "last", "metrics.jsonl")  # what a run writes into its folder


def choose_folder(task: str, output: str | None, overwrite: bool = False) -> Path:
    """The folder a new run writes to (``runs/<task>-<time>`` by default); checked, not created.

    Raises ConfigError when ``output`` is a file, or already holds a run and ``overwrite`` is off.
    """
    if not output:
        return _fresh_default(task)
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"-o {folder}: this is a file; the run folder must be a folder (or not exist yet)")
    old = _entries(folder)
    if old and not overwrite:
        raise ConfigError(f"-o {folder} already holds a run ({', '.join(old)}); pass --overwrite to replace "
                          f"it, --resume {folder} to continue it, or choose another -o")
    return folder


def _fresh_default(task: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder, n = Path("runs") / f"{task}-{stamp}", 1
    while folder.exists():  # two runs started within one second
        n += 1
        folder = Path("runs") / f"{task}-{stamp}-{n}"
    return folder


def _entries(folder: Path) -> list[str]:
    return [name for name in ENTRIES if (folder / name).exists()] if folder.is_dir() else []


def _saved(folder: Path) -> bool:
    return any((folder / kind / "meta.json").is_file() for kind in ("best", "last"))


@contextmanager
def run_folder(folder: Path, *, main: bool = True, overwrite: bool = False) -> Iterator[Path]:
    """Create ``folder`` for the run (rank 0 only: ``main``); see the module docstring.

    A folder holding a run without ``overwrite`` is a resumed run: it is never cleaned up.
    """
    if not main:
        yield folder
        return
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    resumed = bool(_entries(folder)) and not overwrite
    aside = _set_aside(folder) if overwrite else None
    try:
        yield folder
    finally:
        if _saved(folder) or resumed:
            if aside:
                shutil.rmtree(aside, ignore_errors=True)
        else:
            _undo(folder, aside, created)


def _set_aside(folder: Path) -> Path | None:
    """Move the old run's entries into a hidden folder beside them (restored by ``_undo``)."""
    old = _entries(folder)
    if not old:
        return None
    aside = folder / f".replaced-{os.getpid()}"
    aside.mkdir()
    for name in old:
        os.replace(folder / name, aside / name)
    return aside


def _undo(folder: Path, aside: Path | None, created: bool) -> None:
    """Nothing was saved: remove what this run wrote, put the old run back, drop a new empty folder."""
    for name in ENTRIES:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            target.unlink()
    if aside:
        for entry in aside.iterdir():
            os.replace(entry, folder / entry.name)
        aside.rmdir()
    if created and not any(folder.iterdir()):
        folder.rmdir()
