"""Vector autoregressions: ``VAR(data, trend).fit(order) -> VARResults``.

    y_t = nu + delta t + A_1 y_{t-1} + ... + A_p y_{t-p} + u_t,   u_t ~ N(0, Sigma_u)

Equation-by-equation least squares on t = p+1..n (equals statsmodels ``VAR``), with
Sigma_u = U'U / (T - k p - k_trend) and the ML covariance U'U / T; forecasts with
MSE-based intervals; impulse responses (plain and orthogonalised by Cholesky of Sigma_u).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlp.errors import DataError
from rnnlp.timeseries._checks import (as_array, check_choice, check_length, check_order,
                                      lag_matrix, trend_columns)
from rnnlp.timeseries._report import Forecast, check_steps, make_forecast
from rnnlp.timeseries.ar import _lstsq


class VAR:
    """VAR model of complete data (n, k), k >= 1 (NaN/inf raise DataError naming positions).

    trend: ``n``, ``c`` (constant) or ``ct`` (constant and linear trend).
    """

    def __init__(self, data, trend: str = "c"):
        y = as_array(data, "data", (2,))
        if y.shape[1] < 1:
            raise DataError("data needs at least one column")
        check_choice("trend", trend, ("n", "c", "ct"))
        self.data, self.trend = y, trend

    @property
    def neqs(self) -> int:
        return self.data.shape[1]

    def fit(self, order: int = 1, offset: int = 0) -> "VARResults":
        """Least-squares VAR(order) on data[offset:] (offset keeps samples equal in selection).

        Raises DataError when there are fewer observations than parameters per equation + 1.
        """
        order = check_order(order)
        y = self.data[offset:]
        n_trend = len(self.trend.strip("n"))
        check_length(len(y) - order, self.neqs * order + n_trend + 1,
                     f"VAR({order}) with {self.neqs} series (after the {order} lags)")
        det = trend_columns(self.trend, len(y) - order, start=order + 1)
        x = np.hstack([det, lag_matrix(y, order)])
        target = y[order:]
        params = _lstsq(x, target)
        resid = target - x @ params
        return VARResults(self, order, params, resid, offset)


@dataclass(frozen=True)
class VARResults:
    """A fitted VAR.

    params (k_trend + k p, k): row blocks [trend terms, A_1', ..., A_p'], one column per
    equation; coefs (p, k, k) = A_i; sigma_u (df-adjusted) and sigma_u_mle; resid (T, k);
    loglike, info_criteria (aic/bic/hqic as in statsmodels), forecast(), irf(), summary().
    """

    model: VAR
    order: int
    params: np.ndarray
    resid: np.ndarray
    offset: int = 0

    @property
    def nobs(self) -> int:
        return len(self.resid)

    @property
    def k_trend(self) -> int:
        return len(self.model.trend.strip("n"))

    @property
    def coefs(self) -> np.ndarray:
        k = self.model.neqs
        return self.params[self.k_trend:].reshape(self.order, k, k).transpose(0, 2, 1)

    @property
    def df_resid(self) -> int:
        return self.nobs - (self.model.neqs * self.order + self.k_trend)

    @property
    def sigma_u(self) -> np.ndarray:
        return self.resid.T @ self.resid / self.df_resid

    @property
    def sigma_u_mle(self) -> np.ndarray:
        return self.resid.T @ self.resid / self.nobs

    @property
    def loglike(self) -> float:
        k, n = self.model.neqs, self.nobs
        logdet = np.linalg.slogdet(self.sigma_u_mle)[1]
        return -0.5 * n * (k * np.log(2.0 * np.pi) + logdet + k)

    @property
    def info_criteria(self) -> dict[str, float]:
        """Lütkepohl's per-observation criteria: log|Sigma_mle| + penalty * free params / T."""
        n, k = self.nobs, self.model.neqs
        free = self.order * k * k + k * self.k_trend
        logdet = np.linalg.slogdet(self.sigma_u_mle)[1]
        return {"aic": logdet + 2.0 * free / n, "bic": logdet + np.log(n) * free / n,
                "hqic": logdet + 2.0 * np.log(np.log(n)) * free / n}

    aic = property(lambda self: self.info_criteria["aic"])
    bic = property(lambda self: self.info_criteria["bic"])
    hqic = property(lambda self: self.info_criteria["hqic"])

    @property
    def roots(self) -> np.ndarray:
        """Eigenvalues of the companion matrix; the VAR is stable when all |root| < 1."""
        return np.linalg.eigvals(companion_matrix(self.coefs)) if self.order else np.empty(0)

    def is_stable(self) -> bool:
        return bool(np.all(np.abs(self.roots) < 1.0))

    def ma_rep(self, periods: int) -> np.ndarray:
        """MA(inf) matrices Phi_0 = I, ..., Phi_periods: (periods + 1, k, k)."""
        k, p = self.model.neqs, self.order
        phis = np.zeros((periods + 1, k, k))
        phis[0] = np.eye(k)
        for i in range(1, periods + 1):
            for j in range(1, min(i, p) + 1):
                phis[i] += phis[i - j] @ self.coefs[j - 1]
        return phis

    def irf(self, periods: int = 10, orthogonalized: bool = False) -> np.ndarray:
        """Impulse responses (periods + 1, k, k): [h, i, j] = response of y_i after h steps
        to a unit shock in u_j (or a one-s.d. Cholesky-orthogonalised shock)."""
        phis = self.ma_rep(periods)
        if not orthogonalized:
            return phis
        eig = np.linalg.eigvalsh(self.sigma_u)
        if eig.min() <= 1e-10 * eig.max():  # numerically singular: Cholesky would be noise
            raise DataError("Sigma_u is singular (collinear series?); orthogonalised responses "
                            "need it positive definite: drop a redundant series")
        return phis @ np.linalg.cholesky(self.sigma_u)

    def forecast(self, steps: int, alpha: float = 0.05) -> Forecast:
        """Forecasts (steps, k) and MSE covariances sum_{i<h} Phi_i Sigma_u Phi_i'."""
        steps = check_steps(steps)
        y, p = self.model.data, self.order
        n = len(y)
        det = trend_columns(self.model.trend, steps, start=n - self.offset + 1) @ self.params[: self.k_trend]
        history = list(y[n - p:]) if p else []
        for h in range(steps):
            value = det[h].copy() if self.k_trend else np.zeros(self.model.neqs)
            for j in range(p):
                value += self.coefs[j] @ history[-1 - j]
            history.append(value)
        phis = self.ma_rep(steps - 1)
        cov = np.cumsum(phis @ self.sigma_u @ phis.transpose(0, 2, 1), axis=0)
        return make_forecast(np.array(history[p:]), cov, alpha)

    def summary(self) -> str:
        k = self.model.neqs
        lines = [f"VAR({self.order}) results, trend {self.model.trend!r}",
                 f"Observations: {self.nobs}   Log-likelihood: {self.loglike:.6g}   "
                 f"AIC: {self.aic:.6g}   BIC: {self.bic:.6g}   HQIC: {self.hqic:.6g}   "
                 f"Stable: {self.is_stable()}"]
        names = (["const", "trend"][: self.k_trend]
                 + [f"L{i}.y{j}" for i in range(1, self.order + 1) for j in range(1, k + 1)])
        lines.append(f"{'':<10}" + "".join(f"{'eq y' + str(j + 1):>14}" for j in range(k)))
        lines += [f"{name:<10}" + "".join(f"{v:>14.6g}" for v in row) for name, row in zip(names, self.params)]
        lines.append("Sigma_u:")
        lines += ["  " + "".join(f"{v:>14.6g}" for v in row) for row in self.sigma_u]
        return "\n".join(lines)


def companion_matrix(coefs: np.ndarray) -> np.ndarray:
    """The (k p, k p) companion matrix of VAR coefficients (p, k, k)."""
    p, k, _ = coefs.shape
    comp = np.zeros((k * p, k * p))
    comp[:k] = np.hstack(list(coefs))
    comp[k:, :-k] = np.eye(k * (p - 1))
    return comp
