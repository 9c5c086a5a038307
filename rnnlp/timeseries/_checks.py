"""Input checks shared by the time-series models.

Every check raises :class:`rnnlp.errors.DataError` or :class:`rnnlp.errors.ConfigError` with a
one-line message naming what was wrong and where, so callers never see a numpy traceback for
a user mistake.
"""

from __future__ import annotations

import numpy as np

from rnnlp.errors import ConfigError, DataError, choice_error


def _positions(mask: np.ndarray, limit: int = 5) -> str:
    """The first ``limit`` positions where ``mask`` is true, as a short readable list."""
    idx = [tuple(int(i) for i in row) if len(row) > 1 else int(row[0]) for row in np.argwhere(mask)]
    more = f" (and {len(idx) - limit} more)" if len(idx) > limit else ""
    return ", ".join(map(str, idx[:limit])) + more


def as_array(data, name: str, ndim: tuple[int, ...], allow_nan: bool = False) -> np.ndarray:
    """``data`` as a float64 array of one of the dimensions in ``ndim``.

    Raises DataError when it is empty, not numeric, of the wrong dimension, contains inf, or
    contains NaN while ``allow_nan`` is false (NaN means "missing" only where a model says so).
    """
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric: {exc}") from None
    if arr.ndim not in ndim:
        raise DataError(f"{name} must have {' or '.join(map(str, ndim))} dimensions, got shape {arr.shape}")
    if arr.size == 0:
        raise DataError(f"{name} is empty")
    if np.isinf(arr).any():
        raise DataError(f"{name} contains inf at positions {_positions(np.isinf(arr))}")
    if not allow_nan and np.isnan(arr).any():
        raise DataError(
            f"{name} contains NaN at positions {_positions(np.isnan(arr))}; "
            "this model does not support missing values (drop or impute them, or use StateSpace)"
        )
    return arr


def as_series(data, name: str = "series") -> np.ndarray:
    """A complete 1-d series (a column vector is flattened)."""
    arr = as_array(data, name, (1, 2))
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise DataError(f"{name} must be one series, got shape {arr.shape}; use VAR for several")
        arr = arr[:, 0]
    return arr


def check_length(nobs: int, needed: int, what: str) -> None:
    """Raise DataError when ``nobs`` observations cannot support ``what``."""
    if nobs < needed:
        raise DataError(f"series has {nobs} observations but {what} needs at least {needed}")


def check_choice(kind: str, value, valid) -> None:
    """Raise ConfigError listing the valid choices when ``value`` is not one of them."""
    if value not in valid:
        raise choice_error(kind, value, valid)


def check_order(order, name: str = "order") -> int:
    """A non-negative integer model order."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise ConfigError(f"{name} must be a non-negative integer, got {order!r}")
    return int(order)


def trend_columns(trend: str, nobs: int, start: int = 1) -> np.ndarray:
    """Deterministic regressors: ``n`` none, ``c`` constant, ``t`` trend, ``ct`` both.

    The trend counts observations from ``start`` (statsmodels counts from 1 at the first
    observation of the full series).
    """
    check_choice("trend", trend, ("n", "c", "t", "ct"))
    cols = []
    if "c" in trend:
        cols.append(np.ones(nobs))
    if "t" in trend:
        cols.append(np.arange(start, start + nobs, dtype=np.float64))
    return np.column_stack(cols) if cols else np.empty((nobs, 0))


def lag_matrix(y: np.ndarray, order: int, hold_back: int | None = None) -> np.ndarray:
    """Rows ``[y_{t-1}, ..., y_{t-order}]`` (each block of y's columns) for t >= hold_back.

    ``y`` is (n,) or (n, k); the result is (n - hold_back, order * k).
    """
    y2 = y.reshape(len(y), -1)
    hold_back = order if hold_back is None else hold_back
    n = len(y2)
    blocks = [y2[hold_back - lag : n - lag] for lag in range(1, order + 1)]
    return np.hstack(blocks) if blocks else np.empty((n - hold_back, 0))
