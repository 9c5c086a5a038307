"""Run folders: one run per folder, one writer at a time, and no good run ever lost.

``-o RUN`` on a folder that already holds a run is refused before any data is read, unless the
user asks for ``--overwrite`` (or meant ``--resume RUN``): two runs mixed in one folder would
append to one ``metrics.jsonl`` and leave a ``best/`` that belongs to either.

- **Locked.** A training holds an exclusive lock (``.RUN.lock`` beside the folder, an OS file
  lock released even by ``kill -9``) while it writes; a second training into the same folder is
  a one-line error naming the process that owns it.
- **Built beside, swapped in.** With ``--overwrite`` the new run is written into a hidden
  sibling (``.RUN.new-<pid>``) and swapped in (``io.atomic_directory``'s two renames) only when it
  ends with a loadable checkpoint; a run that fails or is stopped before its first checkpoint
  leaves the old run untouched. A crash at any moment leaves the old run in place or the new
  one complete.
- **Leftovers found.** ``recover_run`` (called by every command that opens a run folder) puts back
  an old run whose swap was cut between the two renames, and names a staging folder that a
  killed training left, so that no checkpoint is lost silently.
- A new folder (no ``--overwrite``) is written in place; stopped before its first checkpoint,
  it is removed again, so the folder is as it was - or absent if it was.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rnnlp.errors import ConfigError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
from rnnlp.io import recover_directory, swap_in

ENTRIES = ("best", "last", "metrics.jsonl")  # what a run writes into its folder


def choose_folder(task: str, output: str | None, overwrite: bool = False) -> Path:
    """The folder a new run writes to (``runs/<task>-<time>`` by default); checked, not created.

    Raises ConfigError when ``output`` is a file, or already holds a run and ``overwrite`` is off.
    """
    if not output:
        return _fresh_default(task)
    folder = Path(output)
    recover_run(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"-o {folder}: this is a file; the run folder must be a folder (or not exist yet)")
    old = _entries(folder)
    if old and not overwrite:
        raise ConfigError(f"-o {folder} already holds a run ({', '.join(old)}); pass --overwrite to replace "
                          f"it, --resume {folder} to continue it, or choose another -o")
    return folder


def latest(task: str) -> Path:
    """``runs/<task>-latest``: the alias of the newest default-folder run of ``task`` (README's
    next commands after a plain ``rnnlp train TASK`` name it)."""
    return Path("runs") / f"{task}-latest"


def mark_latest(task: str, folder: Path) -> None:
    """Point ``latest(task)`` at ``folder`` (a symlink replaced atomically; skipped where the
    file system has no symlinks)."""
    alias = latest(task)
    tmp = alias.with_name(f".{alias.name}.{os.getpid()}")
    try:
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(folder.name, target_is_directory=True)  # relative: runs/ can move
        os.replace(tmp, alias)
    except OSError:
        tmp.unlink(missing_ok=True)


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
    """Lock ``folder`` and yield the folder to write the run into (rank 0 only: ``main``).

    With ``overwrite`` (a folder holding a run) that is a hidden sibling, swapped in on a clean
    exit or Ctrl-C once it holds a checkpoint; on an error the old run stays and the sibling goes.
    A folder holding a run without ``overwrite`` is a resumed run: it is never cleaned up.
    """
    if not main:
        yield folder
        return
    with lock(folder):
        staged = overwrite and bool(_entries(folder))
        work = _staging(folder) if staged else folder
        created = not work.exists()
        work.mkdir(parents=True, exist_ok=True)
        resumed = bool(_entries(work)) and not staged
        try:
            yield work
        except BaseException as exc:
            if staged and not (isinstance(exc, KeyboardInterrupt) and _saved(work)):
                shutil.rmtree(work, ignore_errors=True)   # the old run stays as it was
            elif not (_saved(work) or resumed):
                _undo(work, created)
            elif staged:
                _swap(work, folder)
            raise
        if staged:
            _swap(work, folder) if _saved(work) else shutil.rmtree(work, ignore_errors=True)
        elif not (_saved(work) or resumed):
            _undo(work, created)


def _staging(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.new-{os.getpid()}"


def _swap(work: Path, folder: Path) -> None:
    """Put the complete new run ``work`` in place of ``folder`` (the old run's other files kept)."""
    for entry in folder.iterdir():  # e.g. a README the user keeps beside the run
        if entry.name not in ENTRIES and not (work / entry.name).exists():
            shutil.copytree(entry, work / entry.name) if entry.is_dir() else shutil.copy2(entry, work / entry.name)
    swap_in(work, folder)


def _undo(folder: Path, created: bool) -> None:
    """Nothing was saved: remove what this run wrote and drop a new empty folder."""
    for name in ENTRIES:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            target.unlink()
    if created and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


# -- locking ---------------------------------------------------------------------------
@contextmanager
def lock(folder: Path) -> Iterator[None]:
    """Hold the exclusive write lock of run folder ``folder`` (``.NAME.lock`` beside it).

    Raises ConfigError naming the owner when another process holds it. The OS releases the
    lock when its process ends, however it ends, so a killed run never leaves a stale lock.
    """
    if fcntl is None:  # Windows: no advisory locks; one writer is the user's to ensure
        yield
        return
    path = _lock_file(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        if not _try_lock(handle, fcntl.LOCK_EX):
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            raise ConfigError(f"-o {folder} is being written by {owner}; wait for that training to end, "
                              "or choose another -o")
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} (rnnlp train, since {time.strftime('%Y-%m-%d %H:%M:%S')})")
        handle.flush()
        try:
            yield
        finally:
            path.unlink(missing_ok=True)


def _lock_file(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


def _try_lock(handle, mode: int) -> bool:
    try:
        fcntl.flock(handle, mode | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _is_locked(folder: Path) -> bool:
    """A training holds ``folder``'s lock now (probed without taking or removing it)."""
    path = _lock_file(folder)
    if fcntl is None or not path.is_file():
        return False
    with open(path, encoding="utf-8") as handle:
        return not _try_lock(handle, fcntl.LOCK_SH)


# -- leftovers of a crash --------------------------------------------------------------
def recover_run(folder: Path) -> None:
    """Repair what a crash can leave at ``folder``: an old run whose swap was cut between its two
    renames is put back; an old run set aside by rnnlp 0.2's ``--overwrite`` (``.replaced-<pid>``)
    is restored when the folder holds no saved run; a killed ``--overwrite`` training's staging
    folder is named on stderr (it may hold a usable checkpoint, so it is never deleted)."""
    folder = Path(folder)
    recover_directory(folder)
    if folder.is_dir():
        for aside in sorted(folder.glob(".replaced-*")):
            if _saved(folder) or not _entries(aside):
                continue
            for entry in aside.iterdir():
                if not (folder / entry.name).exists():
                    os.replace(entry, folder / entry.name)
            shutil.rmtree(aside, ignore_errors=True)
            print(f"note: restored the run in {folder} that an interrupted --overwrite had set aside",
                  file=sys.stderr)
    for staged in sorted(folder.parent.glob(f".{folder.name}.new-*")) if folder.parent.is_dir() else ():
        if _is_locked(folder):
            continue  # a training is writing it right now
        if not _saved(staged):  # killed before its first checkpoint: nothing in it to keep
            shutil.rmtree(staged, ignore_errors=True)
            continue
        print(f"warning: {staged} holds an unfinished --overwrite run of {folder} (its training was killed); "
              f"{folder} is unchanged. Move it into place to keep it, or delete it", file=sys.stderr)


