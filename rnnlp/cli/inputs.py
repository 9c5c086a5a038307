"""What ``--input`` holds: plain lines, a table (csv, tsv, json/jsonl, parquet) or CoNLL, from a file
or stdin (``-``).

The format comes from ``--format`` or the extension (anything else is plain lines). A table's
values come from one column: the one named by ``--text-column`` (or ``--image-column``...), else
the first of the command's usual names found (``text``, ``sentence``...), else the only column;
otherwise the error lists the columns, so a header or a label column is never read as text.
Blank lines and empty cells are skipped and counted. Click only at import time; the table
readers are imported when a table is read.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rnnlp.errors import ConfigError, DataError

TABLES = {"csv": "csv", "tsv": "tsv", "json": "json", "jsonl": "json", "parquet": "parquet"}
CONLL = ("conll", "conllu")
LINES = ("lines", "txt", "text")
TEXT_COLUMNS = ("text", "sentence", "source", "src", "review", "content", "document", "prompt", "tokens")
IMAGE_COLUMNS = ("image", "images", "path", "file", "filename", "image_path")


@dataclass
class Inputs:
    """The inputs of one ``--input``, in file order, and how many blank ones were skipped."""

    values: list
    skipped: int = 0


def input_format(path: str, fmt: str | None, allowed: tuple = ("lines", "table")) -> str:
    """``lines``, ``table:<reader format>`` or ``conll``/``conllu`` for ``path`` and ``--format``."""
    name = (fmt or _extension(path)).lower()
    if name in TABLES and "table" in allowed:
        return f"table:{TABLES[name]}"
    if name in CONLL and "conll" in allowed:
        return name
    if name in LINES or (not fmt and name not in TABLES and name not in CONLL):
        return "lines"
    choices = [LINES[0], *(TABLES if "table" in allowed else ()), *(CONLL if "conll" in allowed else ())]
    raise ConfigError(f"cannot read --input {path} as {name}; choose --format from: {', '.join(choices)}")


def _extension(path: str) -> str:
    suffixes = [s for s in Path(path).suffixes if s not in (".gz", ".bz2", ".xz")]
    return suffixes[-1].lstrip(".") if suffixes and path != "-" else ""


def read_inputs(path: str, fmt: str | None = None, column: str | None = None, *,
                names: tuple = TEXT_COLUMNS, flag: str = "--text-column",
                allowed: tuple = ("lines", "table"), lists: bool = False, keep_blank: bool = False) -> Inputs:
    """The inputs of ``path`` (``-`` = stdin) read as ``fmt`` (default: from the extension);
    ``lists``: a table cell may hold a list (tokens, item ids), else only strings; ``keep_blank``:
    blank lines and cells stay, as ``""``, so that outputs stay line-aligned with the input."""
    kind = input_format(path, fmt, allowed)
    if column is not None and kind == "lines":
        raise ConfigError(f"{flag} is for tables (csv, tsv, jsonl, parquet); {path} is read as plain lines "
                          "(pass --format csv|tsv|jsonl|parquet if it is a table)")
    with _local_copy(path, kind) as local:
        if kind == "lines":
            return _nonblank(_lines(local, path), keep_blank)
        if kind in CONLL:
            return Inputs(_conll(local, kind, column))
        try:
            values = _column_values(local, kind.split(":")[1], column, names, flag, path)
        except DataError as exc:
            if path != "-":
                raise
            raise DataError(str(exc).replace(local, "stdin")) from None  # not its temp copy
    if not lists and any(isinstance(v, (list, tuple)) for v in values):
        raise DataError(f"{path}: the input column holds lists; give a column of strings ({flag})")
    return _nonblank(values, keep_blank)


class _local_copy:
    """``path`` itself, or stdin spooled to a temp file when a table reader needs a path."""

    def __init__(self, path: str, kind: str):
        self.path, self.kind, self.tmp = path, kind, None

    def __enter__(self) -> str | None:
        if self.path != "-":
            _check_file(self.path)
            return self.path
        if self.kind == "lines":
            return None
        fd, self.tmp = tempfile.mkstemp(suffix=f".{self.kind.split(':')[-1]}")
        with os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(sys.stdin.buffer, f)
        return self.tmp

    def __exit__(self, *exc) -> None:
        if self.tmp:
            Path(self.tmp).unlink(missing_ok=True)


def _check_file(path: str) -> None:
    if Path(path).is_dir():
        raise DataError(f"--input {path} is a folder; give a file (or - for stdin)")
    if not Path(path).exists():
        raise DataError(f"--input file not found: {path}")


def _lines(local: str | None, shown: str) -> list[str]:
    """Lines without their line ends; undecodable bytes are a DataError naming the file."""
    try:
        if local is None:
            return [line.rstrip("\r\n") for line in sys.stdin]
        with open(local, encoding="utf-8") as f:
            return [line.rstrip("\r\n") for line in f]
    except UnicodeDecodeError as exc:
        where = "stdin" if local is None else shown
        raise DataError(f"{where} is not UTF-8 text (invalid byte {exc.object[exc.start:exc.start + 1]!r}); "
                        "re-save it as UTF-8") from None


def _nonblank(values: list, keep_blank: bool = False) -> Inputs:
    if keep_blank:
        return Inputs(["" if _blank(v) else v for v in values])
    kept = [v for v in values if not _blank(v)]
    return Inputs(kept, len(values) - len(kept))


def _blank(value) -> bool:
    if isinstance(value, (list, tuple)):
        return not value
    return value is None or not str(value).strip()


def _conll(local: str, kind: str, column: str | None) -> list:
    """Token lists of a CoNLL file (``column``: the token column number, default 0) or CoNLL-U (FORM)."""
    from rnnlp.data.conll import read_conll, read_conllu

    if kind == "conllu":
        return read_conllu(local).tokens
    return read_conll(local, column or 0, column or 0).tokens


def _column_values(local: str, fmt: str, column: str | None, names: tuple, flag: str, shown: str) -> list:
    from rnnlp.data.readers import read_table, require_columns

    table = read_table(local, fmt)
    chosen = column or pick_column(table.column_names, names, flag, shown)
    if column:
        require_columns(table, shown, column)
    return [v if isinstance(v, (list, tuple)) or v is None else str(v) for v in table[chosen]]


def pick_column(columns: list, names: tuple, flag: str, shown: str) -> str:
    """The first of ``names`` among ``columns`` (any case), or the only column; else a DataError."""
    lower = {c.lower(): c for c in columns}
    found = next((lower[n] for n in names if n in lower), None)
    if found is None and len(columns) == 1:
        found = columns[0]
    if found is None:
        raise DataError(f"{shown}: which column holds the input? columns found: {', '.join(columns)}; "
                        f"name it with {flag} NAME")
    return found
