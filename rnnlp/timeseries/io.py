"""Reading a series from a CSV file with the standard library (no pandas)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from rnnlp.errors import DataError


def read_series(path, column: str | int) -> np.ndarray:
    """Column ``column`` (a header name, or a 0-based index) of a CSV file as float64.

    Empty cells and ``NA``/``NaN`` become NaN. Raises DataError when the file is missing or
    empty, the column is not there (listing the columns found), or a cell is not a number.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"series file not found: {path}")
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise DataError(f"{path} is empty")
    header, body = rows[0], rows[1:]
    index = _column_index(header, column, path)
    return np.array([_number(row, index, path, line) for line, row in enumerate(body, start=2)
                     if any(cell.strip() for cell in row)])


def _column_index(header: list[str], column, path) -> int:
    names = [name.strip() for name in header]
    if isinstance(column, int) and 0 <= column < len(names):
        return column
    if column in names:
        return names.index(column)
    raise DataError(f"column {column!r} not in {path}; columns found: {', '.join(names)}")


def _number(row, index, path, line) -> float:
    cell = row[index].strip() if index < len(row) else ""
    if cell.lower() in ("", "na", "nan"):
        return np.nan
    try:
        return float(cell)
    except ValueError:
        raise DataError(f"{path}:{line}: {cell!r} is not a number") from None
