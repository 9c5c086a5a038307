"""Class labels of a table: the label map of the training data, and labels as class indices."""

from __future__ import annotations

import numpy as np

from rnnlp.errors import DataError


def label_map(raw_labels: list, where="the training data") -> list:
    """Sorted distinct labels of the training data (numbers and numeric text by value, other text
    alphabetically).

    Labels are read as the user meant them, or refused with the row to fix (DataError): an empty
    cell; one number spelled two ways (``0`` and ``0.0``); a column that looks continuous
    (fractional numbers, more than ``CONTINUOUS`` distinct values or one per two rows).
    """
    seen: dict = {}
    for row, value in enumerate(raw_labels, 1):
        if value is None or (isinstance(value, str) and not value.strip()):
            raise DataError(f"{where}: the label of row {row} is empty; fill it in or drop the row")
        if isinstance(value, float) and value != value:
            raise DataError(f"{where}: the label of row {row} is empty (NaN); fill it in or drop the row")
        seen.setdefault(value, row)
    _check_spellings(seen, len(raw_labels), where)
    return sorted(seen, key=_order)


def _order(label) -> tuple:
    """Numbers (and labels written as numbers: "2" before "10") by value, then text alphabetically."""
    number = _number(label)
    return (0, number, "") if number is not None else (1, 0.0, str(label))


CONTINUOUS = 10  # fractional numeric labels with more distinct values than this are a score, not classes


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _check_spellings(seen: dict, rows: int, where) -> None:
    """Refuse ``0``/``0.0`` (one number, two labels) and a continuous-looking numeric column."""
    numbers: dict = {}
    for value, row in seen.items():
        number = _number(value)
        if number is None:
            continue
        if number in numbers:
            other, first = numbers[number]
            raise DataError(f"{where}: labels {str(other)!r} (row {first}) and {str(value)!r} (row {row}) are one "
                            "number written two ways; write every label of a class the same way")
        numbers[number] = (value, row)
    fractional = [n for n in numbers if n != int(n)]
    if fractional and len(numbers) == len(seen) and (len(numbers) > CONTINUOUS or len(numbers) * 2 > rows):
        raise DataError(f"{where}: the labels look continuous ({len(numbers)} distinct numbers such as "
                        f"{fractional[0]:g}); a classifier needs classes: bin the scores into a few named "
                        "classes first (a regression target is not a label)")


def label_indices(raw: list, names: list, path, aliases: list | None = None) -> np.ndarray:
    """Class index of each raw label (or of its alias, e.g. its display name, in class order);
    a label the training data never had is a DataError."""
    index = {str(alias): i for i, alias in enumerate(aliases or [])}
    index.update({name: i for i, name in enumerate(names)})
    # labels read from different files may differ in type ("1" vs 1): match on the text form too
    index.update({str(name): i for i, name in enumerate(names)})
    out = []
    for row, value in enumerate(raw):
        i = index.get(value, index.get(str(value)))
        if i is None:
            raise DataError(f"{path}: label {value!r} (row {row + 1}) never appears in the training data "
                            f"(labels: {', '.join(map(str, names))}); fix the label or add training examples")
        out.append(i)
    return np.asarray(out, dtype=np.int64)


def display_names(labels: list, names, where: str = "data.label_names") -> list[str]:
    """The name of each class (in class order) that ``predict`` and ``evaluate`` print.

    ``names`` maps raw labels to names (``{0: negative, 1: positive}``; keys match a label or
    its text form) or lists the names in class order; None, or a label it leaves out, keeps
    the label's own text. Names that collide or keys the labels lack are a ConfigError.
    """
    from rnnlp.errors import ConfigError

    if isinstance(names, (list, tuple)):
        if len(names) != len(labels):
            raise ConfigError(f"{where} lists {len(names)} names but there are {len(labels)} labels "
                              f"({', '.join(map(str, labels))}); give one name per label, in this order")
        names = dict(zip(labels, names))
    mapping = {str(k): str(v) for k, v in (names or {}).items()}
    unknown = sorted(set(mapping) - {str(x) for x in labels})
    if unknown:
        raise ConfigError(f"{where} names label(s) {', '.join(unknown)} that the training data does not have "
                          f"(labels: {', '.join(map(str, labels))}); fix the keys")
    out = [mapping.get(str(x), str(x)) for x in labels]
    if len(set(out)) < len(out):
        raise ConfigError(f"{where} gives two labels the same name ({', '.join(out)}); names must differ")
    return out
