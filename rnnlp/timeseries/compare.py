"""Hold-out comparison of the classical forecasters on one series (for ``rnnlp forecast``).

Each model is fitted to all but the last ``horizon`` points and scored on them: MAE, RMSE,
MASE (scaled by the in-sample one-step naive forecast's MAE) and the share of hold-out points
inside the 95% prediction interval.
"""

from __future__ import annotations

import numpy as np

from rnnlp.errors import DataError
from rnnlp.timeseries._checks import as_array, check_choice
from rnnlp.timeseries.ar import AR
from rnnlp.timeseries.selection import select_ar_order, select_var_order
from rnnlp.timeseries.statespace import LocalLevel
from rnnlp.timeseries.var import VAR

MODELS = ("ar", "var", "kalman")


def compare(series, horizon: int, models=MODELS, max_order: int = 8, alpha: float = 0.05,
            extra: dict | None = None, keep_forecasts: bool = False) -> list[dict]:
    """One row per model: {"model", "order", "mae", "rmse", "mase", "coverage"}.

    ``series`` is (n,) or (n, k); ``ar`` and ``kalman`` (a local level, by MLE) forecast each
    column separately and average the scores over columns; ``var`` models them jointly
    (with one column it is the AR). Orders are chosen by AIC up to ``max_order``.
    ``extra`` adds forecasters by name (the hook for models outside this package, such as the
    RNNs of ``rnnlp.forecast.rnn``), each ``fn(train (n, k), horizon, max_order, alpha) ->
    (mean, lower, upper, orders)`` with (horizon, k) arrays; ``keep_forecasts`` adds those
    three arrays to each row (for plots).
    Raises DataError when fewer than horizon + 10 points remain for fitting.
    """
    data = as_array(series, "series", (1, 2))
    data = data[:, None] if data.ndim == 1 else data
    if not isinstance(horizon, int) or horizon < 1 or len(data) - horizon < 10:
        raise DataError(f"need horizon >= 1 and at least horizon + 10 points; got {len(data)} points, horizon {horizon!r}")
    for name in models:
        check_choice("model", name, MODELS + tuple(extra or ()))
    train, test = data[:-horizon], data[-horizon:]
    rows = []
    for name in models:
        mean, lower, upper, orders = forecast(name, train, horizon, max_order, alpha, extra)
        rows.append(_score(name, mean, lower, upper, orders, train, test))
        if keep_forecasts:
            rows[-1].update(mean=mean, lower=lower, upper=upper)
    return rows


def forecast(name: str, data: np.ndarray, horizon: int, max_order: int = 8, alpha: float = 0.05,
             extra: dict | None = None):
    """Model ``name``'s forecasts from the (n, k) array ``data``: (mean, lower, upper, orders)."""
    forecasters = {**_FORECASTERS, **(extra or {})}
    check_choice("model", name, tuple(forecasters))
    return forecasters[name](data, horizon, max_order, alpha)


def _ar(train, horizon, max_order, alpha):
    means, lows, highs, orders = [], [], [], []
    for col in train.T:
        order = select_ar_order(col, min(max_order, len(col) // 4), "aic").order
        fc = AR(col, order).fit().forecast(horizon, alpha)
        means.append(fc.mean), lows.append(fc.lower), highs.append(fc.upper), orders.append(order)
    return np.column_stack(means), np.column_stack(lows), np.column_stack(highs), orders


def _var(train, horizon, max_order, alpha):
    limit = max(1, min(max_order, (len(train) - 2) // (2 * train.shape[1] + 2)))
    order = select_var_order(train, limit)["aic"].order
    fc = VAR(train).fit(order).forecast(horizon, alpha)
    return fc.mean, fc.lower, fc.upper, [order]


def _kalman(train, horizon, max_order, alpha):
    means, lows, highs = [], [], []
    for col in train.T:
        fc = LocalLevel(col).fit().forecast(horizon, alpha=alpha)
        means.append(fc.mean[:, 0]), lows.append(fc.lower[:, 0]), highs.append(fc.upper[:, 0])
    return np.column_stack(means), np.column_stack(lows), np.column_stack(highs), []


_FORECASTERS = {"ar": _ar, "var": _var, "kalman": _kalman}


def _score(name, mean, lower, upper, orders, train, test) -> dict:
    err = test - mean
    naive = np.mean(np.abs(np.diff(train, axis=0)), axis=0)
    naive = np.where(naive > 0, naive, np.nan)
    return {"model": name, "order": orders,
            "mae": float(np.mean(np.abs(err))),
            "rmse": float(np.sqrt(np.mean(err ** 2))),
            "mase": float(np.nanmean(np.mean(np.abs(err), axis=0) / naive)),
            "coverage": float(np.mean((test >= lower) & (test <= upper)))}
