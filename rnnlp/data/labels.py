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
