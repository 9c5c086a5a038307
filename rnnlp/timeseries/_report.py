"""Shared result pieces: the Forecast record, information criteria and text summaries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from rnnlp.errors import ConfigError


@dataclass(frozen=True)
class Forecast:
    """Point forecasts with Gaussian prediction intervals.

    ``mean``, ``lower`` and ``upper`` are (steps,) for one series or (steps, k) for k series;
    ``cov`` is (steps,) variances or (steps, k, k) covariances of the forecast errors
    (``cov`` ignores parameter uncertainty, as statsmodels' defaults do).
    """

    mean: np.ndarray
    cov: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    alpha: float


def make_forecast(mean: np.ndarray, cov: np.ndarray, alpha: float) -> Forecast:
    """A Forecast with ``1 - alpha`` intervals from means and error (co)variances."""
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"alpha must be in (0, 1), got {alpha!r}")
    var = cov if cov.ndim == mean.ndim else np.diagonal(cov, axis1=-2, axis2=-1)
    half = stats.norm.ppf(1.0 - alpha / 2.0) * np.sqrt(np.maximum(var, 0.0))
    return Forecast(mean, cov, mean - half, mean + half, alpha)


def check_steps(steps) -> int:
    """A positive forecast horizon."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ConfigError(f"steps must be a positive integer, got {steps!r}")
    return int(steps)


def information_criteria(llf: float, nobs: int, k: int) -> dict[str, float]:
    """AIC, BIC and HQIC of a log-likelihood with ``k`` free parameters (statsmodels' forms)."""
    return {
        "aic": -2.0 * llf + 2.0 * k,
        "bic": -2.0 * llf + np.log(nobs) * k,
        "hqic": -2.0 * llf + 2.0 * np.log(np.log(nobs)) * k,
    }


def table(title: str, info: dict[str, object], names: list[str], values: np.ndarray,
          stderr: np.ndarray | None = None) -> str:
    """A plain-text summary: a title, ``key: value`` lines, then one row per parameter."""
    width = max([len(n) for n in names] + [9])
    lines = [title, "=" * max(len(title), width + 30)]
    lines += [f"{key:<18}{_fmt(val)}" for key, val in info.items()]
    lines.append("-" * max(len(title), width + 30))
    lines.append(f"{'':<{width}}  {'coef':>12}  {'std err':>12}")
    for i, name in enumerate(names):
        se = "" if stderr is None else _fmt(stderr[i])
        lines.append(f"{name:<{width}}  {_fmt(values[i]):>12}  {se:>12}")
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)
