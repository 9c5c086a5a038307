"""Autoregressions: ``AR(series, order, trend).fit(method) -> ARResults``.

    x_t = c + delta t + phi_1 x_{t-1} + ... + phi_p x_{t-p} + e_t,   e_t ~ N(0, sigma2)

Methods: ``ols`` (conditional least squares on t = p+1..n; equals statsmodels ``AutoReg``),
``yule_walker`` (equals statsmodels ``yule_walker``; trend ``n`` or ``c``) and ``mle``
(exact Gaussian likelihood through the AR's companion state-space form with a stationary
start; trend ``n`` or ``c``). Order selection (AIC, BIC, HQIC, rolling-origin
cross-validation) lives one level up, in :mod:`.selection`, which fits these models.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from rnnlp.errors import ConfigError
from rnnlp.timeseries import steady
from rnnlp.timeseries._checks import (as_series, check_choice, check_length, check_order,
                                      lag_matrix, trend_columns)
from rnnlp.timeseries._report import Forecast, check_steps, information_criteria, make_forecast, table
from rnnlp.timeseries.kalman import Matrices

METHODS = ("ols", "yule_walker", "mle")


class AR:
    """AR(p) model of a complete 1-d series (NaN/inf raise DataError naming positions).

    Args: series (n,); order p >= 0; trend ``n`` none, ``c`` constant, ``t`` time trend,
    ``ct`` both. Raises DataError when n < p + 1 + number of trend terms.
    """

    def __init__(self, series, order: int, trend: str = "c"):
        self.series = as_series(series)
        self.order = check_order(order)
        check_choice("trend", trend, ("n", "c", "t", "ct"))
        self.trend = trend
        check_length(len(self.series), self.order + len(trend.strip("n")) + 1, f"AR({self.order}) with trend {trend!r}")

    @property
    def param_names(self) -> list[str]:
        names = {"c": ["const"], "t": ["trend"], "ct": ["const", "trend"], "n": []}[self.trend]
        return names + [f"ar.L{i}" for i in range(1, self.order + 1)]

    def design(self, hold_back: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(target, regressors) for t >= hold_back (default p): trend columns then lags."""
        hold = self.order if hold_back is None else hold_back
        lags = lag_matrix(self.series, self.order, hold)
        det = trend_columns(self.trend, len(self.series) - hold, start=hold + 1)
        return self.series[hold:], np.hstack([det, lags])

    def fit(self, method: str = "ols", yw_method: str = "adjusted") -> "ARResults":
        """Estimate by ``ols``, ``yule_walker`` (``yw_method`` adjusted | mle) or ``mle``."""
        check_choice("method", method, METHODS)
        if method == "ols":
            y, x = self.design()
            params = _lstsq(x, y)
            resid = y - x @ params
            return ARResults(self, method, params, float(resid @ resid / len(y)), resid)
        if self.trend not in ("n", "c"):
            raise ConfigError(f"method {method!r} supports trend 'n' or 'c', got {self.trend!r}; use method='ols'")
        params, sigma2 = (self._yule_walker(yw_method) if method == "yule_walker" else self._mle())
        y, x = self.design()
        return ARResults(self, method, params, sigma2, y - x @ params)

    def _yule_walker(self, yw_method: str):
        check_choice("yw_method", yw_method, ("adjusted", "mle"))
        mean = self.series.mean() if self.trend == "c" else 0.0
        phi, sigma2 = yule_walker(self.series - mean, self.order, yw_method)
        if not is_stationary(phi):
            warnings.warn(f"Yule-Walker AR({self.order}) estimate is not stationary", RuntimeWarning, stacklevel=3)
        return self._with_trend(phi, mean), sigma2

    def _with_trend(self, phi, mean):
        return np.concatenate([[mean * (1.0 - phi.sum())], phi]) if self.trend == "c" else phi

    def _mle(self):
        """Maximise the exact likelihood over (mean, PACF-transformed phi, log sigma2)."""
        ols = self.fit("ols")
        phi0 = ols.ar if is_stationary(ols.ar) else np.zeros(self.order)
        mean0 = [self.series.mean()] if self.trend == "c" else []
        theta0 = np.concatenate([mean0, _unconstrain(phi0), [np.log(ols.sigma2)]])
        scale = np.std(self.series) or 1.0

        def objective(theta):
            return -self.exact_loglike(*self._natural(theta)) / len(self.series)

        theta0[: len(mean0)] /= scale
        opt = optimize.minimize(lambda th: objective(_rescale(th, len(mean0), scale)), theta0, method="BFGS",
                                options=dict(gtol=1e-9))
        mean, phi, sigma2 = self._natural(_rescale(opt.x, len(mean0), scale))
        return self._with_trend(phi, mean), sigma2

    def _natural(self, theta):
        k = 1 if self.trend == "c" else 0
        return (theta[0] if k else 0.0), _constrain(theta[k:-1]), float(np.exp(theta[-1]))

    def exact_loglike(self, mean: float, phi: np.ndarray, sigma2: float) -> float:
        """Exact Gaussian log-likelihood of the series (state-space form, stationary start)."""
        return steady.loglike(self.series - mean, companion(phi, sigma2))


def _rescale(theta, k, scale):
    out = theta.copy()
    out[:k] *= scale
    return out


def _lstsq(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares via the normal equations' Cholesky factor, falling back to lstsq."""
    try:
        return linalg.cho_solve(linalg.cho_factor(x.T @ x), x.T @ y)
    except linalg.LinAlgError:
        return np.linalg.lstsq(x, y, rcond=None)[0]


def companion(phi: np.ndarray, sigma2: float) -> Matrices:
    """The AR(p) as a state space: h_t = (x_t, ..., x_{t-p+1}), y_t = first state."""
    p = max(len(phi), 1)
    trans = np.zeros((p, p))
    trans[0, : len(phi)] = phi
    trans[1:, :-1] = np.eye(p - 1)
    noise = np.zeros((p, p))
    noise[0, 0] = sigma2
    psi = np.zeros((1, p))
    psi[0, 0] = 1.0
    return Matrices(phi=trans, psi=psi, sigma_h=noise, sigma_obs=np.zeros((1, 1)))


def yule_walker(x: np.ndarray, order: int, method: str = "adjusted") -> tuple[np.ndarray, float]:
    """AR coefficients and innovation variance from sample autocovariances of a zero-mean x.

    ``adjusted`` divides lag-k sums by n - k, ``mle`` by n (statsmodels' two methods).
    """
    n = len(x)
    denom = n - np.arange(order + 1) if method == "adjusted" else np.full(order + 1, n)
    r = np.array([x[: n - k] @ x[k:] for k in range(order + 1)]) / denom
    if order == 0:
        return np.empty(0), float(r[0])
    phi = linalg.solve_toeplitz(r[:-1], r[1:])
    return phi, float(r[0] - r[1:] @ phi)


def is_stationary(phi: np.ndarray) -> bool:
    """Whether all roots of 1 - phi_1 z - ... - phi_p z^p lie outside the unit circle."""
    if len(phi) == 0:
        return True
    return bool(np.all(np.abs(np.roots(np.r_[1.0, -np.asarray(phi)])) < 1.0))


def _constrain(u: np.ndarray) -> np.ndarray:
    """Stationary AR coefficients from unconstrained values via partial autocorrelations."""
    pacf = u / np.sqrt(1.0 + u * u)
    phi = np.empty(0)
    for k, rho in enumerate(pacf):  # Durbin-Levinson
        phi = np.concatenate([phi - rho * phi[::-1], [rho]]) if k else np.array([rho])
    return phi


def _unconstrain(phi: np.ndarray) -> np.ndarray:
    """Inverse of _constrain for a stationary phi."""
    phi, pacf = np.asarray(phi, float), []
    for k in range(len(phi), 0, -1):
        rho = phi[-1]
        pacf.append(rho)
        phi = (phi[:-1] + rho * phi[:-1][::-1]) / (1.0 - rho * rho) if k > 1 else phi[:0]
    pacf = np.clip(np.array(pacf[::-1]), -0.999999, 0.999999)
    return pacf / np.sqrt(1.0 - pacf * pacf)


@dataclass(frozen=True)
class ARResults:
    """A fitted AR: params (trend terms then phi), ar (phi), sigma2, resid, nobs, loglike,
    aic/bic/hqic (statsmodels AutoReg's conventions), forecast(), summary()."""

    model: AR
    method: str
    params: np.ndarray
    sigma2: float
    resid: np.ndarray

    @property
    def ar(self) -> np.ndarray:
        return self.params[len(self.params) - self.model.order:]

    @property
    def nobs(self) -> int:
        return len(self.resid)

    @property
    def loglike(self) -> float:
        """Conditional Gaussian log-likelihood for ols / yule_walker, exact for mle."""
        if self.method == "mle":
            mean = self.params[0] / (1.0 - self.ar.sum()) if self.model.trend == "c" else 0.0
            return self.model.exact_loglike(mean, self.ar, self.sigma2)
        n = self.nobs
        return -0.5 * n * (np.log(2.0 * np.pi) + np.log(self.resid @ self.resid / n) + 1.0)

    def _ic(self, name):
        return information_criteria(self.loglike, self.nobs, len(self.params) + 1)[name]

    @property
    def bse(self) -> np.ndarray:
        """Standard errors sqrt(diag(sigma2 (X'X)^-1)) of the regression (as AutoReg's)."""
        _, x = self.model.design()
        return np.sqrt(np.diag(self.sigma2 * np.linalg.pinv(x.T @ x)))

    aic = property(lambda self: self._ic("aic"))
    bic = property(lambda self: self._ic("bic"))
    hqic = property(lambda self: self._ic("hqic"))

    def forecast(self, steps: int, alpha: float = 0.05) -> Forecast:
        """Forecasts of x_{n+1..n+steps}; variances sigma2 * sum of squared MA(inf) weights."""
        steps, model = check_steps(steps), self.model
        p, n = model.order, len(model.series)
        history = list(model.series[n - p:]) if p else []
        det = trend_columns(model.trend, steps, start=n + 1) @ self.params[: len(self.params) - p]
        for j in range(steps):
            history.append(det[j] + (self.ar @ history[::-1][:p] if p else 0.0))
        psi = ma_weights(self.ar, steps)
        var = self.sigma2 * np.cumsum(psi ** 2)
        return make_forecast(np.array(history[p:]), var, alpha)

    def summary(self) -> str:
        info = {"Model:": f"AR({self.model.order})", "Method:": self.method, "Trend:": self.model.trend,
                "Observations:": self.nobs, "Log-likelihood:": self.loglike, "sigma2:": self.sigma2,
                "AIC:": self.aic, "BIC:": self.bic, "HQIC:": self.hqic,
                "Stationary:": is_stationary(self.ar)}
        return table("AR model results", info, self.model.param_names, self.params, self.bse)


def ma_weights(phi: np.ndarray, steps: int) -> np.ndarray:
    """psi_0..psi_{steps-1} of the MA(inf) form of an AR with coefficients phi."""
    psi = np.zeros(steps)
    psi[0] = 1.0
    for j in range(1, steps):
        lags = min(j, len(phi))
        psi[j] = phi[:lags] @ psi[j - lags: j][::-1]
    return psi
