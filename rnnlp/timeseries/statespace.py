"""Linear Gaussian state-space models: ``StateSpace(...).fit() -> StateSpaceResults``.

The notation is the one documented in :mod:`rnnlp.timeseries.kalman` (Phi, Gamma, Sigma_h
for the state; Psi, Xi, Sigma_obs for the observation). Matrices given to the constructor
are fixed; the others are estimated by exact Gaussian MLE (``scipy.optimize`` over the
parameterisation in :mod:`rnnlp.timeseries._params`) or by EM (:mod:`rnnlp.timeseries.em`).

>>> res = LocalLevel(nile).fit()                   # doctest: +SKIP
>>> res.params, res.loglike, res.forecast(10).mean  # doctest: +SKIP
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from scipy import optimize

from rnnlp.errors import ConfigError, DataError
from rnnlp.timeseries import steady
from rnnlp.timeseries._checks import as_array, check_choice
from rnnlp.timeseries._params import MATRIX_NAMES, Layout
from rnnlp.timeseries._report import Forecast, check_steps, information_criteria, make_forecast, table
from rnnlp.timeseries.kalman import Matrices, kalman_filter, symmetrize
from rnnlp.timeseries.smoother import smooth

INITIALIZATIONS = ("stationary", "diffuse", "known")


class StateSpace:
    """A linear Gaussian state-space model for y (n, p), NaN = missing.

    Args: endog (n,) or (n, p); k_states; exog (n, r) inputs x_t or None; any of phi (k, k),
    gamma (k, r), psi (p, k), xi (p, r), sigma_h (k, k), sigma_obs (p, p) to fix them (a
    leading time axis of length n makes one time-varying); initialization: ``stationary``
    (needs a stable Phi), ``diffuse`` (exact diffuse start) or ``known`` (give initial_state
    and initial_cov for h_1); cov_form: ``full`` or ``diagonal`` for free covariances.
    Raises DataError for inf, all-NaN or wrongly sized data, ConfigError for bad options.
    """

    def __init__(self, endog, k_states: int = 1, exog=None, *, phi=None, gamma=None, psi=None,
                 xi=None, sigma_h=None, sigma_obs=None, initialization: str = "stationary",
                 initial_state=None, initial_cov=None, cov_form: str = "full"):
        check_choice("initialization", initialization, INITIALIZATIONS)
        check_choice("cov_form", cov_form, ("full", "diagonal"))
        y = as_array(endog, "endog", (1, 2), allow_nan=True)
        self.endog = y[:, None] if y.ndim == 1 else y
        if np.isnan(self.endog).all():
            raise DataError("endog has no observed values")
        self.exog = None if exog is None else _as_exog(exog, len(self.endog))
        self.k_states, self.initialization = int(k_states), initialization
        fixed = dict(phi=phi, gamma=gamma, psi=psi, xi=xi, sigma_h=sigma_h, sigma_obs=sigma_obs)
        self.fixed = {k: np.asarray(v, float) for k, v in fixed.items() if v is not None}
        self.layout = Layout(self._free_shapes(), cov_form)
        self._start = (initial_state, initial_cov)
        if initialization == "known" and initial_cov is None:
            raise ConfigError("initialization='known' needs initial_cov (and initial_state)")

    @property
    def nobs(self) -> int:
        return int((~np.isnan(self.endog)).any(axis=1).sum())

    @property
    def param_names(self) -> list[str]:
        return self.layout.names()

    def _free_shapes(self) -> dict:
        k, p = self.k_states, self.endog.shape[1]
        r = 0 if self.exog is None else self.exog.shape[1]
        shapes = dict(phi=(k, k), gamma=(k, r), psi=(p, k), xi=(p, r), sigma_h=(k, k), sigma_obs=(p, p))
        return {n: shapes[n] for n in MATRIX_NAMES
                if n not in self.fixed and not (n in ("gamma", "xi") and r == 0)}

    def matrices(self, params) -> Matrices:
        """The system for natural parameter values ``params`` (see ``param_names``)."""
        params = np.asarray(params, float)
        if params.shape != (self.layout.size,):
            raise ConfigError(f"expected {self.layout.size} params {self.param_names}, got shape {params.shape}")
        mats = dict(self.fixed)
        mats.update(self._natural_matrices(params))
        return self._assemble(mats)

    def _natural_matrices(self, params):
        out = {}
        for name, piece in self.layout.split(params).items():
            rows, cols = self.layout.shapes[name]
            mat = np.zeros((rows, cols))
            cells = self.layout._cells(name, rows, cols)
            mat[tuple(np.array(cells).T)] = piece
            out[name] = mat + np.tril(mat, -1).T if name in ("sigma_h", "sigma_obs") else mat
        return out

    def _assemble(self, mats: dict) -> Matrices:
        state, cov = self._start
        k = self.k_states
        diffuse = np.eye(k) if self.initialization == "diffuse" else None
        if self.initialization == "diffuse" and cov is None:
            cov = np.zeros((k, k))
        return Matrices(phi=mats["phi"], psi=mats["psi"], sigma_h=mats["sigma_h"],
                        sigma_obs=mats["sigma_obs"], gamma=mats.get("gamma"), xi=mats.get("xi"),
                        initial_state=None if state is None else np.asarray(state, float),
                        initial_cov=None if cov is None else np.asarray(cov, float),
                        diffuse_cov=diffuse)

    def loglike(self, params) -> float:
        """Exact (diffuse) Gaussian log-likelihood at natural ``params``."""
        return steady.loglike(self.endog, self.matrices(params), self.exog)

    def start_params(self) -> np.ndarray:
        """Default starting values: Phi = 0.5 I, Psi = 1, inputs 0, variances from the data."""
        var = np.nanvar(np.diff(self.endog, axis=0), axis=0) if len(self.endog) > 2 else np.ones(1)
        scale = float(np.nanmean(var)) or 1.0
        start = dict(phi=0.5 * np.eye(self.k_states), psi=np.ones((self.endog.shape[1], self.k_states)),
                     sigma_h=np.eye(self.k_states) * scale / 2, sigma_obs=np.diag(np.maximum(var, 1e-8) / 2))
        start["gamma"] = np.zeros(self.layout.shapes.get("gamma", (0, 0)))
        start["xi"] = np.zeros(self.layout.shapes.get("xi", (0, 0)))
        return self.layout.from_matrices(start)

    def fit(self, method: str = "mle", start_params=None, maxiter: int = 1000, tol: float = 1e-10) -> "StateSpaceResults":
        """Estimate the free matrices by ``mle`` (L-BFGS on unconstrained values) or ``em``."""
        check_choice("method", method, ("mle", "em"))
        start = self.start_params() if start_params is None else np.asarray(start_params, float)
        if method == "em":
            from rnnlp.timeseries.em import em_fit
            params, iterations = em_fit(self, start, maxiter, tol)
        else:
            params, iterations = self._mle(start, maxiter, tol)
        return StateSpaceResults(self, params, method, iterations)

    def _mle(self, start, maxiter, tol):
        scale = max(self.nobs, 1)

        def objective(theta):
            try:
                value = -self.loglike(self.layout.natural(theta)) / scale
            except (ConfigError, np.linalg.LinAlgError, FloatingPointError):
                return 1e10
            return value if np.isfinite(value) else 1e10

        opt = optimize.minimize(objective, self.layout.theta(start), method="BFGS",
                                options=dict(maxiter=maxiter, gtol=tol * 1e3))
        return self.layout.natural(opt.x), int(opt.nit)

    def smooth(self, params) -> "StateSpaceResults":
        """Results (filtered and smoothed states, loglike) at given params, without fitting."""
        return StateSpaceResults(self, np.asarray(params, float), "fixed", 0)


def _as_exog(exog, n: int) -> np.ndarray:
    x = as_array(exog, "exog", (1, 2))
    x = x[:, None] if x.ndim == 1 else x
    if len(x) != n:
        raise DataError(f"exog has {len(x)} rows but endog has {n}; give one row per observation")
    return x


class StateSpaceResults:
    """A fitted state-space model (read-only).

    params / param_names (natural values), matrices (the system), loglike, aic, bic, hqic,
    nobs, filtered_state (n, k), filtered_cov (n, k, k), smoothed_state, smoothed_cov,
    forecast(steps, exog=None, alpha=0.05), summary().
    """

    def __init__(self, model: StateSpace, params: np.ndarray, method: str, iterations: int):
        self.model, self.params, self.method, self.iterations = model, params, method, iterations
        self.matrices = model.matrices(params)
        self.param_names = model.param_names

    @cached_property
    def _filtered(self):
        return kalman_filter(self.model.endog, self.matrices, self.model.exog)

    @cached_property
    def _smoothed(self):
        return smooth(self._filtered, self.matrices)

    loglike = property(lambda self: self._filtered.loglike)
    nobs = property(lambda self: self.model.nobs)
    filtered_state = property(lambda self: self._filtered.filtered_state)
    filtered_cov = property(lambda self: self._filtered.filtered_cov)
    predicted_state = property(lambda self: self._filtered.predicted_state)
    smoothed_state = property(lambda self: self._smoothed[0])
    smoothed_cov = property(lambda self: self._smoothed[1])
    aic = property(lambda self: self._ic["aic"])
    bic = property(lambda self: self._ic["bic"])
    hqic = property(lambda self: self._ic["hqic"])

    @cached_property
    def _ic(self):
        # diffuse states count as estimated parameters (D&K 2012, 7.4)
        n_diffuse = self.model.k_states if self.model.initialization == "diffuse" else 0
        return information_criteria(self.loglike, self.nobs, len(self.params) + n_diffuse)

    def forecast(self, steps: int, exog=None, alpha: float = 0.05) -> Forecast:
        """Forecasts of y_{n+1..n+steps} with (steps, p) means and (steps, p, p) covariances."""
        steps, m = check_steps(steps), self.matrices
        if m.time_varying:
            raise ConfigError("forecasting needs time-invariant matrices; this model has time-varying ones")
        x = self._future_exog(exog, steps)
        a, p = self.filtered_state[-1], self.filtered_cov[-1]
        means, covs = np.empty((steps, m.k_obs)), np.empty((steps, m.k_obs, m.k_obs))
        for j in range(steps):
            a = m.phi @ a + (m.gamma @ x[j] if m.gamma is not None else 0.0)
            p = symmetrize(m.phi @ p @ m.phi.T + m.sigma_h)
            means[j] = m.psi @ a + (m.xi @ x[j] if m.xi is not None else 0.0)
            covs[j] = symmetrize(m.psi @ p @ m.psi.T + m.sigma_obs)
        return make_forecast(means, covs, alpha)

    def _future_exog(self, exog, steps):
        if self.model.exog is None:
            return np.zeros((steps, 0))
        if exog is None:
            raise DataError("this model has exog: pass exog for the forecast steps")
        x = as_array(exog, "exog", (1, 2)).reshape(steps, -1) if np.size(exog) else None
        if x is None or x.shape != (steps, self.model.exog.shape[1]):
            raise DataError(f"forecast exog must have shape ({steps}, {self.model.exog.shape[1]})")
        return x

    @cached_property
    def bse(self) -> np.ndarray:
        """Standard errors from the inverse of a central-difference Hessian of the loglike."""
        hess = _hessian(self.model.loglike, self.params)
        try:
            return np.sqrt(np.diag(np.linalg.inv(-hess)))
        except np.linalg.LinAlgError:
            return np.full(len(self.params), np.nan)

    def summary(self) -> str:
        info = {"Model:": type(self.model).__name__, "Method:": self.method,
                "Observations:": self.nobs, "Log-likelihood:": self.loglike,
                "AIC:": self.aic, "BIC:": self.bic, "Initialization:": self.model.initialization}
        with np.errstate(invalid="ignore"):
            return table("State space model results", info, self.param_names, self.params, self.bse)


def _hessian(f, x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of f at x with relative steps."""
    steps = 1e-4 * np.maximum(np.abs(x), 1e-3)
    k = len(x)
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * steps[i], np.eye(k)[j] * steps[j]
            value = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * steps[i] * steps[j])
            hess[i, j] = hess[j, i] = value
    return hess


def LocalLevel(endog, **kwargs) -> StateSpace:
    """Local level: mu_t = mu_{t-1} + eps_t, y_t = mu_t + eta_t, with a diffuse start.

    Free params: sigma_h[0,0] (level variance), sigma_obs[0,0] (irregular variance).
    """
    kwargs.setdefault("initialization", "diffuse")
    return StateSpace(endog, 1, phi=[[1.0]], psi=[[1.0]], **kwargs)


def LocalLinearTrend(endog, **kwargs) -> StateSpace:
    """Local linear trend: level and slope random walks, y_t = level_t + eta_t, diffuse start.

    Free params: sigma_h[0,0] and sigma_h[1,1] (level, slope variances), sigma_obs[0,0].
    """
    kwargs.setdefault("initialization", "diffuse")
    model = StateSpace(endog, 2, phi=[[1.0, 1.0], [0.0, 1.0]], psi=[[1.0, 0.0]],
                       cov_form="diagonal", **kwargs)
    return model
