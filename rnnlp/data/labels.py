"""Class labels of a table: the label map of the training data, and labels as class indices."""

from __future__ import annotations

import numpy as np

from rnnlp.errors import DataError


def label_map(raw_labels: list) -> list:
    """Sorted distinct labels of the training data (ints numerically, strings alphabetically)."""
    values = set(raw_labels)
    if any(v is None for v in values):
        raise DataError("some training labels are empty; fill or drop those rows")
    return sorted(values, key=lambda v: (isinstance(v, str), v))


def label_indices(raw: list, names: list, path) -> np.ndarray:
    """Class index of each raw label; a label the training data never had is a DataError."""
    index = {name: i for i, name in enumerate(names)}
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
