"""Order selection for AR and VAR: information criteria on a common sample, and
rolling-origin cross-validation.

All candidate orders are fitted to the same observations (the first ``max_order`` are held
back), as statsmodels ``ar_select_order`` and ``VAR.select_order`` do, so their criteria are
comparable. Ties go to the smaller order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlp.errors import ConfigError
from rnnlp.timeseries._checks import check_choice, check_length, check_order
from rnnlp.timeseries.ar import AR
from rnnlp.timeseries.var import VAR

CRITERIA = ("aic", "bic", "hqic", "cv")


@dataclass(frozen=True)
class OrderSelection:
    """The chosen ``order`` and the criterion value of every candidate (``values[p]``)."""

    order: int
    criterion: str
    values: dict


def select_ar_order(series, max_order: int, criterion: str = "aic", trend: str = "c",
                    folds: int = 10, horizon: int = 1) -> OrderSelection:
    """Choose p in 0..max_order for ``AR(series, p, trend)``; see the module docstring.

    ``cv``: rolling origin over the last ``folds`` origins spaced ``horizon`` apart; each fit
    uses only data before its origin and is scored by mean squared ``horizon``-step error.
    """
    check_choice("criterion", criterion, CRITERIA)
    max_order = check_order(max_order, "max_order")
    base = AR(series, max_order, trend)
    if criterion == "cv":
        return _cv(base.series, max_order, trend, folds, horizon)
    y, x = base.design()
    n_trend = len(trend.strip("n"))
    values = {}
    for p in range(max_order + 1):
        cols = x[:, : n_trend + p]
        params = np.linalg.lstsq(cols, y, rcond=None)[0] if cols.shape[1] else np.empty(0)
        resid = y - cols @ params
        n = len(y)
        llf = -0.5 * n * (np.log(2 * np.pi) + np.log(resid @ resid / n) + 1.0)
        values[p] = _ic(llf, n, cols.shape[1] + 1, criterion)
    return OrderSelection(min(values, key=values.get), criterion, values)


def _ic(llf, nobs, k, criterion):
    penalty = {"aic": 2.0, "bic": np.log(nobs), "hqic": 2.0 * np.log(np.log(nobs))}[criterion]
    return -2.0 * llf + penalty * k


def _cv(series, max_order, trend, folds, horizon) -> OrderSelection:
    if folds < 1 or horizon < 1:
        raise ConfigError(f"folds and horizon must be >= 1, got {folds}, {horizon}")
    n = len(series)
    first = n - folds * horizon
    check_length(first, 2 * max_order + 2, f"cross-validation with {folds} folds of horizon {horizon}")
    values = {}
    for p in range(max_order + 1):
        errors = []
        for origin in range(first, n - horizon + 1, horizon):
            fc = AR(series[:origin], p, trend).fit().forecast(horizon)
            errors.append(np.mean((series[origin: origin + horizon] - fc.mean) ** 2))
        values[p] = float(np.mean(errors))
    return OrderSelection(min(values, key=values.get), "cv", values)


def select_var_order(data, max_order: int, trend: str = "c") -> dict[str, OrderSelection]:
    """VAR order by each of aic, bic, hqic (statsmodels ``VAR.select_order`` conventions)."""
    max_order = check_order(max_order, "max_order")
    model = VAR(data, trend=trend)
    first = 0 if trend != "n" else 1
    ics = {name: {} for name in ("aic", "bic", "hqic")}
    for p in range(first, max_order + 1):
        res = model.fit(p, offset=max_order - p)
        for name in ics:
            ics[name][p] = res.info_criteria[name]
    return {name: OrderSelection(min(v, key=v.get), name, v) for name, v in ics.items()}
