"""The series that ``rnnlp forecast`` reads: a bundled sample or columns of a CSV file, checked.

    series = load_series("nile")                      # the bundled Nile flow
    series = load_series("prices.csv", ["a", "b"])    # two columns of a CSV with a header row

Values come back as an n×k float array; missing, NaN or infinite values and empty files are
DataErrors naming the file, column and rows. ``time_axis`` gives the x axis for plots. numpy
only (through ``rnnlp.timeseries.io``); no torch.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnlp.errors import DataError

# sample name -> (file in SAMPLES_DIR, its series column)
SAMPLES = {"nile": ("nile.csv", "flow"), "sunspots": ("sunspots.csv", "sunactivity")}
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "timeseries" / "samples"


@dataclass(frozen=True)
class Series:
    path: Path
    label: str              # the sample's name or the file's name, for headers and titles
    names: list             # the column names, one per column of ``values``
    values: np.ndarray      # n×k

    def require_length(self, needed: int, what: str) -> None:
        """A DataError when the series is shorter than ``what`` needs."""
        if len(self.values) < needed:
            raise DataError(f"series has {len(self.values)} points but {what} needs at least {needed}"
                            + (" (try a smaller model.window or --horizon)" if needed > 10 else ""))


def load_series(data: str, columns=()) -> Series:
    """The ``columns`` of ``data`` (a sample name or CSV path; default: the sample's series or the last column)."""
    path, default = _resolve(data)
    names = list(columns) or [default]
    return Series(path, data if data in SAMPLES else path.name, names, _read(path, names))


def _resolve(data: str) -> tuple[Path, str]:
    """The CSV path for ``data`` and its default column (a sample's series, else the last column)."""
    if data in SAMPLES:
        name, column = SAMPLES[data]
        return SAMPLES_DIR / name, column
    path = Path(data)
    if not path.is_file():
        raise DataError(f"series file not found: {path} (or name a bundled sample: {', '.join(SAMPLES)})")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text (invalid byte at offset {exc.start}); re-save it as UTF-8") from None
    header = next(csv.reader(text.splitlines()), None)
    if not header:
        raise DataError(f"{path} is empty")
    return path, header[-1].strip()


def _read(path: Path, names: list[str]) -> np.ndarray:
    """The named columns as an n×k float array; NaN/inf and empty series are errors."""
    from rnnlp.timeseries.io import read_series

    values = np.column_stack([read_series(path, name) for name in names])
    for j, name in enumerate(names):
        for what, bad in (("missing or NaN", np.isnan(values[:, j])), ("infinite", np.isinf(values[:, j]))):
            if bad.any():
                rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad)[:5])
                raise DataError(f"column {name!r} of {path.name} has {what} values at data row(s) {rows}; "
                                "drop or fill them first")
    if len(values) == 0:
        raise DataError(f"{path} has no data rows")
    return values


def time_axis(series: Series) -> np.ndarray:
    """The file's first column when it is a numeric, evenly spaced time index (e.g. years); else 0..n-1."""
    from rnnlp.timeseries.io import read_series

    n = len(series.values)
    try:
        first = read_series(series.path, 0)
    except DataError:
        first = None
    with series.path.open(newline="") as handle:
        header = [h.strip() for h in next(csv.reader(handle))]
    if first is None or header[0] in series.names or len(first) != n or not np.isfinite(first).all():
        return np.arange(n, dtype=float)
    steps = np.diff(first)
    return first if len(steps) and np.allclose(steps, steps[0]) and steps[0] > 0 else np.arange(n, dtype=float)
