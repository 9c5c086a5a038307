"""Numeric series for classification: readers, missing values and z-normalisation (numpy only).

Formats (``data.format``, or from the extension):
- ``ucr``: one series per line, the label first, then the values; tab-, comma- or
  space-separated (the UCR archive's .tsv and older .txt files). ``values``: the same without
  the label (inputs to classify).
- ``long``: a table (csv, tsv, parquet) with one row per time step: id, time, one or more value
  columns, label (constant within an id).
- ``ts``: the sktime/UEA ``.ts`` format (``rnnlp.data.ts_format``), uni- or multivariate.
- ``npy`` / ``npz``: an N×T (univariate) or N×T×C array; an .npz holds ``x`` and optionally ``y``.

A series ends at its last frame that is not all NaN (the UCR archive pads shorter series with
NaN), so series may differ in length. A NaN inside a series is an error naming the row, or is
filled by linear interpolation with ``data.nan=interpolate``.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlp.data.readers import local_file, read_table
from rnnlp.data.ts_format import read_ts
from rnnlp.errors import DataError

EXTENSIONS = {".tsv": "ucr", ".csv": "ucr", ".txt": "ucr", ".npy": "npy", ".npz": "npz", ".parquet": "long",
              ".ts": "ts"}
FORMATS = ("ucr", "values", "long", "ts", "npy", "npz")


@dataclass
class SeriesSet:
    """Series of one file: ``values[i]`` is T_i × C float32; ``labels`` raw labels or None."""

    values: list
    labels: list | None

    @property
    def lengths(self) -> list[int]:
        return [len(v) for v in self.values]

    @property
    def channels(self) -> int:
        return self.values[0].shape[1]


def series_format(path: Path, format: str | None) -> str:
    """The format of ``path``: ``format`` if given (checked), else from the extension."""
    if format:
        if format not in FORMATS:
            from rnnlp.errors import choice_error
            raise choice_error("series format", format, FORMATS)
        return format
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz",)]
    fmt = EXTENSIONS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise DataError(f"cannot tell the series format of {path} from its extension; "
                        f"pass --format (one of: {', '.join(FORMATS)})")
    return fmt


def read_series(path, dcfg, labelled: bool = True) -> SeriesSet:
    """The series of ``path`` (``dcfg``: a ``SeriesDataConfig``), cleaned; ``labelled`` files
    must carry a label per series."""
    local = local_file(path, dcfg.root, "series file")
    fmt = series_format(local, dcfg.format)
    if fmt in ("ucr", "values"):
        rows, labels = _read_rows(local, with_label=fmt == "ucr")
    elif fmt == "long":
        rows, labels = _read_long(local, dcfg)
    elif fmt == "ts":
        rows, labels = read_ts(_text_lines(local), local, _label)
    else:
        rows, labels = _read_array(local, fmt)
    if labelled and labels is None:
        raise DataError(f"{local} holds no labels ({fmt}); give a labelled file (ucr rows, a long table "
                        "with a label column, or an .npz with x and y)")
    return SeriesSet(clean(rows, str(local), dcfg.nan, dcfg.max_length), labels)


def clean(rows: list, where: str, nan: str = "error", max_length: int | None = None) -> list:
    """T×C float32 arrays: trailing all-NaN frames cut, inner NaNs an error or interpolated."""
    out = []
    for i, row in enumerate(rows):
        row = np.asarray(row, dtype=np.float32)
        row = row[:, None] if row.ndim == 1 else row
        if row.ndim != 2:
            raise DataError(f"{where}: series {i + 1} has {row.ndim} dimensions; give T values or T×C frames")
        observed = np.flatnonzero(~np.isnan(row).all(axis=1))
        if not len(observed):
            raise DataError(f"{where}: series {i + 1} has no values; drop that row")
        row = row[: observed[-1] + 1][:max_length]
        if np.isnan(row).any():
            row = _fill(row, where, i, nan)
        if not np.isfinite(row).all():
            raise DataError(f"{where}: series {i + 1} holds an infinite value; fix that row")
        out.append(row)
    if len({r.shape[1] for r in out}) > 1:
        raise DataError(f"{where}: series have different numbers of channels "
                        f"({sorted({r.shape[1] for r in out})}); give every series the same channels")
    return out


def _fill(row: np.ndarray, where: str, index: int, nan: str) -> np.ndarray:
    if nan != "interpolate":
        t = int(np.argwhere(np.isnan(row))[0][0])
        raise DataError(f"{where}: series {index + 1} has a missing value (NaN) at step {t + 1}; fill it, "
                        "or set data.nan=interpolate")
    steps = np.arange(len(row))
    for c in range(row.shape[1]):
        known = ~np.isnan(row[:, c])
        if not known.any():
            raise DataError(f"{where}: series {index + 1}, channel {c + 1} is all NaN; nothing to interpolate from")
        row[:, c] = np.interp(steps, steps[known], row[known, c])
    return row


# -- readers ---------------------------------------------------------------------------
def _text_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            return [line for line in (raw.strip() for raw in f) if line]
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataError(f"cannot read {path} as text rows: {str(exc).splitlines()[0][:150]}") from None


def _read_rows(path: Path, with_label: bool) -> tuple[list, list | None]:
    """UCR rows: ``label<sep>v1<sep>v2...`` (or values only); empty fields and NaN are missing."""
    lines = _text_lines(path)
    if not lines:
        raise DataError(f"{path} is empty; give one series per line")
    sep = "\t" if "\t" in lines[0] else ("," if "," in lines[0] else None)
    rows, labels = [], [] if with_label else None
    for n, line in enumerate(lines, 1):
        fields = [f.strip() or "nan" for f in line.split(sep)]
        if with_label:
            labels.append(_label(fields[0]))
            fields = fields[1:]
        rows.append(_numbers(fields, path, n, 2 if with_label else 1))
    return rows, labels


def _numbers(fields: list[str], path: Path, row: int, first_column: int) -> np.ndarray:
    try:
        return np.array(fields, dtype=np.float64)
    except ValueError:
        bad = next(i for i, f in enumerate(fields) if not _is_number(f))
        raise DataError(f"{path}: row {row}, column {bad + first_column}: {fields[bad][:30]!r} is not a number; "
                        "fix the value (ucr rows: the label first, then numbers)") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _label(text: str):
    """A label as written: integers as ints (UCR writes ``1`` or ``1.0``), anything else as text."""
    try:
        value = float(text)
        return int(value) if value.is_integer() else text
    except ValueError:
        return text


def _read_long(path: Path, dcfg) -> tuple[list, list | None]:
    """A long table: rows grouped by ``id`` (first-appearance order), sorted by ``time``."""
    import pandas as pd

    frame = read_table(path).to_pandas()  # csv, tsv, parquet: the readers' one-line errors
    columns = _value_columns(frame, dcfg, path)
    values = frame[columns].apply(pd.to_numeric, errors="coerce")
    bad = (values.isna() & frame[columns].notna()).to_numpy().any(axis=1)
    if bad.any():
        raise DataError(f"{path}: table row {int(np.flatnonzero(bad)[0]) + 2} holds a value that is not a number; "
                        "fix it")
    frame = frame.assign(**{c: values[c] for c in columns})
    has_label = dcfg.label_column in frame.columns
    rows, labels = [], [] if has_label else None
    for key, group in frame.groupby(dcfg.id_column, sort=False):
        rows.append(group.sort_values(dcfg.time_column, kind="stable")[columns].to_numpy(np.float64))
        if has_label:
            labels.append(_one_label(group[dcfg.label_column], path, key))
    return rows, labels


def _value_columns(frame, dcfg, path: Path) -> list:
    """The value columns of a long table (``data.value_columns``, or all but id, time, label)."""
    found = ", ".join(map(str, frame.columns))
    missing = [c for c in (dcfg.id_column, dcfg.time_column) if c not in frame.columns]
    if missing:
        raise DataError(f"column '{missing[0]}' not found in {path}; columns found: {found} "
                        "(set data.id_column / data.time_column)")
    skip = {dcfg.id_column, dcfg.time_column, dcfg.label_column}
    columns = [c.strip() for c in dcfg.value_columns.split(",")] if dcfg.value_columns else \
        [c for c in frame.columns if c not in skip]
    absent = [c for c in columns if c not in frame.columns]
    if absent or not columns:
        raise DataError(f"{path}: value column {absent[0] if absent else '(none)'!r} not found; columns: {found} "
                        "(set data.value_columns)")
    return columns


def _one_label(column, path: Path, key):
    values = column.dropna().unique()
    if len(values) != 1:
        raise DataError(f"{path}: series {key!r} has {len(values)} labels ({', '.join(map(str, values[:3]))}); "
                        "give each id one label")
    value = values[0].item() if hasattr(values[0], "item") else values[0]
    return _label(str(value)) if not isinstance(value, str) else value


def _read_array(path: Path, fmt: str) -> tuple[list, list | None]:
    """N×T or N×T×C values (NaN-padded for shorter series); an .npz adds labels ``y``."""
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"cannot read {path} as {fmt}: {str(exc).splitlines()[0][:150]} "
                        "(object arrays are refused: save numbers)") from None
    labels = None
    if fmt == "npz":
        keys = {k.lower(): k for k in data.files}
        if "x" not in keys:
            raise DataError(f"{path} has no array 'x' (found: {', '.join(data.files)}); save x=N×T[×C], y=labels")
        x = data[keys["x"]]
        labels = [_label(str(v)) for v in data[keys["y"]].tolist()] if "y" in keys else None
    else:
        x = data
    if x.ndim not in (2, 3) or not np.issubdtype(x.dtype, np.number):
        raise DataError(f"{path}: expected a numeric N×T or N×T×C array, got {x.ndim} dimensions of {x.dtype}")
    if labels is not None and len(labels) != len(x):
        raise DataError(f"{path}: {len(x)} series but {len(labels)} labels; give one label per series")
    return list(x.astype(np.float64)), labels


# -- normalisation ----------------------------------------------------------------------
def z_normalize(rows: list) -> list:
    """Each series per channel to mean 0, standard deviation 1 (a constant one to 0)."""
    out = []
    for row in rows:
        std = row.std(axis=0)
        out.append(((row - row.mean(axis=0)) / np.where(std > 1e-8, std, 1.0)).astype(np.float32))
    return out


def channel_stats(rows: list) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation over every frame of ``rows`` (the training set)."""
    frames = np.concatenate(rows, axis=0).astype(np.float64)
    std = frames.std(axis=0)
    return frames.mean(axis=0).astype(np.float32), np.where(std > 1e-8, std, 1.0).astype(np.float32)


def stratified_split(labels: list, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) indices: about ``fraction`` of each class held out (at least one of a
    class with two or more series), seeded."""
    rng = np.random.default_rng(seed)
    held = []
    for value in sorted(set(map(str, labels))):
        members = np.flatnonzero(np.array([str(x) == value for x in labels]))
        take = int(round(len(members) * fraction))
        take = min(max(take, 1 if len(members) > 1 else 0), len(members) - 1)
        held.extend(rng.permutation(members)[:take].tolist())
    held_out = np.array(sorted(held), dtype=np.int64)
    return np.setdiff1d(np.arange(len(labels)), held_out), held_out
