"""Outputs that cannot lie: atomic file and directory writes (a crash or Ctrl-C never leaves a
half-written output) and strict JSON (never ``NaN`` or ``Infinity``, which are not JSON)."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder and ``os.replace``."""
    atomic_write_bytes(path, text.encode("utf-8"))


def json_dumps(data, *, nonfinite: str = "null", **kwargs) -> str:
    """``json.dumps`` that never emits ``NaN``/``Infinity`` (invalid JSON that many parsers reject).

    ``nonfinite="null"`` writes a non-finite float as ``null`` (a metric that is undefined, such
    as the perplexity of a diverged model); ``"error"`` raises a DataError naming where it sits
    (a prediction must never quietly become null). numpy scalars and arrays become numbers and
    lists. Other ``json.dumps`` keywords pass through (``ensure_ascii`` defaults to False).
    """
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(replace_nonfinite(data, nonfinite), allow_nan=False, **kwargs)


def replace_nonfinite(data, nonfinite: str = "null"):
    """``data`` with containers copied and every NaN/infinity replaced by None (``"null"``), or a
    DataError naming where the first one sits (``"error"``); numpy values become plain ones."""
    if nonfinite not in ("null", "error"):
        raise ValueError(f"nonfinite must be 'null' or 'error', got {nonfinite!r}")
    return _finite(data, nonfinite, "")


def _finite(value, policy: str, where: str):
    """``value`` with non-finite floats replaced by None (or a DataError), containers copied."""
    if isinstance(value, dict):
        return {k: _finite(v, policy, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v, policy, f"{where}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":  # numpy scalar or array
        return _finite(value.tolist(), policy, where)
    if isinstance(value, float) and not math.isfinite(value):
        if policy == "error":
            from rnnlp.errors import DataError
            raise DataError(f"the result holds {value} at {where or 'the top level'}; the model produced a "
                            "non-finite number (check the checkpoint's weights, or retrain)")
        return None
    return value


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; use the usual mode
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_directory(path: str | os.PathLike):
    """Yield a temp folder beside ``path``; on success it replaces ``path`` as a whole.

    The old folder is moved aside first and deleted only after the new one is in place, so at
    every instant either the old or the new complete folder exists under ``path`` (or its
    ``.old`` twin during the two renames, which ``recover_directory`` puts back).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        swap_in(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap_in(new: Path, path: Path) -> None:
    """Replace folder ``path`` by folder ``new`` (same file system): the old one is renamed to its
    ``.old`` twin, the new one into place, then the old one deleted; ``recover_directory`` undoes
    a stop between the two renames."""
    old = path.with_name(f".{path.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if path.exists():
        os.replace(path, old)
    os.replace(new, path)
    shutil.rmtree(old, ignore_errors=True)


def recover_directory(path: str | os.PathLike) -> None:
    """If a write stopped between the two renames of ``atomic_directory``, restore the old folder;
    if it stopped after them, before the old copy was deleted, delete it."""
    path = Path(path)
    old = path.with_name(f".{path.name}.old")
    if not path.exists() and old.exists():
        os.replace(old, path)
    elif old.exists():  # the swap finished but its clean-up did not: the old copy is not needed
        shutil.rmtree(old, ignore_errors=True)
