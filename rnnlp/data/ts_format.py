"""The sktime/UEA ``.ts`` format: ``@`` header lines, then ``@data`` and one series per line.

A data line holds one field per dimension separated by ``:``, each a comma-separated list of
values (``?`` or empty = missing), then the class label when the header says
``@classLabel true``. Dimensions of one series may differ in length: shorter ones are padded
with NaN, which the series reader treats as missing values (an error naming the series, or
filled with ``data.nan=interpolate``, which holds a dimension's last value).
Time-stamped series (``@timeStamps true``) and regression targets are refused with a clear
error: nothing in rnnlp reads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from rnnlp.errors import DataError


def read_ts(lines: list[str], path: Path, label: Callable[[str], object]) -> tuple[list, list | None]:
    """(rows, labels) of a .ts file's stripped, non-empty ``lines``: rows are T×C float arrays."""
    header, body = _split(lines, path)
    labelled = header.get("classlabel", "false").split()[0].lower() == "true"
    dims = int(header["dimensions"]) if header.get("dimensions", "").isdigit() else None
    rows, labels = [], [] if labelled else None
    for n, line in enumerate(body, 1):
        fields = line.split(":")
        if labelled:
            if len(fields) < 2:
                raise DataError(f"{path}: data line {n} has no class label after ':'; the header says "
                                "@classLabel true")
            labels.append(label(fields.pop().strip()))
        if dims is not None and len(fields) != dims:
            raise DataError(f"{path}: data line {n} has {len(fields)} dimensions, the header says {dims}")
        rows.append(_frames(fields, path, n))
    if len({r.shape[1] for r in rows}) > 1:
        raise DataError(f"{path}: series have different numbers of dimensions; give every series the same")
    return rows, labels


def _split(lines: list[str], path: Path) -> tuple[dict, list[str]]:
    """The header (lower-cased ``@key`` -> the rest of its line) and the data lines."""
    header: dict[str, str] = {}
    for i, line in enumerate(lines):
        if line.startswith("#"):
            continue
        if not line.startswith("@"):
            raise DataError(f"{path}: line {i + 1} comes before @data; a .ts file starts with @ header lines")
        key, _, value = line[1:].partition(" ")
        if key.lower() == "data":
            _check_header(header, path)
            return header, [ln for ln in lines[i + 1:] if not ln.startswith("#")]
        header[key.lower()] = value.strip()
    raise DataError(f"{path}: no @data line; is this a .ts file?")


def _check_header(header: dict, path: Path) -> None:
    if header.get("timestamps", "false").lower() == "true":
        raise DataError(f"{path}: time-stamped .ts series are not supported; write the values without "
                        "timestamps (@timeStamps false) or use a long table with a time column")
    if "targetlabel" in header and header["targetlabel"].split()[0].lower() == "true":
        raise DataError(f"{path}: a regression .ts file (@targetLabel true); rnnlp series classifies, "
                        "give class labels (@classLabel true ...)")


def _frames(fields: list[str], path: Path, line: int) -> np.ndarray:
    """T×C values of one data line's dimension fields, shorter dimensions padded with NaN."""
    channels = []
    for d, field in enumerate(fields):
        values = [v.strip() for v in field.split(",")]
        try:
            channels.append(np.array([np.nan if v in ("?", "", "NaN", "nan") else float(v) for v in values]))
        except ValueError:
            bad = next(v for v in values if not _number(v))
            raise DataError(f"{path}: data line {line}, dimension {d + 1}: {bad[:30]!r} is not a number") from None
    out = np.full((max(len(c) for c in channels), len(channels)), np.nan)
    for d, values in enumerate(channels):
        out[: len(values), d] = values
    return out


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return text in ("?", "", "NaN", "nan")
