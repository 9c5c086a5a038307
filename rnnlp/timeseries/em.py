"""EM estimation of the noise covariances (Shumway & Stoffer 1982).

E-step: the Kalman filter and smoother at the current values. M-step, closed form:

    Sigma_obs = mean over observed t of  e_t e_t' + Psi V_t Psi',   e_t = y_t - Psi h^_t - Xi x_t
    Sigma_h   = mean over t >= 2 of      eps^_t eps^_t' + Var(eps_t | y)

with the smoothed state disturbances eps^_t = Sigma_h r_{t-1} and Var = Sigma_h - Sigma_h N Sigma_h
(D&K 2012, 4.5), which stay valid through an exact diffuse start. Phi, Psi, Gamma and Xi must
be fixed; the start is recomputed from the current values each iteration (the M-step ignores
its dependence on Sigma_h, as usual). Each iteration never lowers the likelihood.
"""

from __future__ import annotations

import numpy as np

from rnnlp.errors import ConfigError
from rnnlp.timeseries.kalman import intercepts, kalman_filter, symmetrize
from rnnlp.timeseries.smoother import smooth


def em_fit(model, start: np.ndarray, maxiter: int, tol: float) -> tuple[np.ndarray, int]:
    """Natural params after EM from ``start``; stops when the log-likelihood gains < tol * |ll|."""
    _check(model)
    params, previous = np.asarray(start, float), -np.inf
    for iteration in range(1, maxiter + 1):
        mats = model.matrices(params)
        filtered = kalman_filter(model.endog, mats, model.exog)
        if filtered.loglike - previous <= tol * abs(filtered.loglike):
            return params, iteration
        previous = filtered.loglike
        params = _m_step(model, mats, filtered, params)
    return params, maxiter


def _check(model) -> None:
    others = [name for name in model.layout.shapes if name not in ("sigma_h", "sigma_obs")]
    if others:
        raise ConfigError(f"EM estimates only sigma_h and sigma_obs; fix {', '.join(others)} or use method='mle'")
    nan = np.isnan(model.endog)
    if (nan.any(axis=1) & ~nan.all(axis=1)).any():
        raise ConfigError("EM supports only whole missing rows; use method='mle' for partly missing rows")


def _m_step(model, mats, filtered, params):
    states, covs, r_after, n_after = smooth(filtered, mats, disturbances=True)
    new = dict(model._natural_matrices(params))
    if "sigma_obs" in new:
        new["sigma_obs"] = _obs_cov(model, mats, states, covs)
    if "sigma_h" in new:
        new["sigma_h"] = _state_cov(mats.sigma_h, r_after[:-1], n_after[:-1])
    return model.layout.from_matrices(new)


def _obs_cov(model, mats, states, covs):
    y = model.endog
    _, d = intercepts(mats, model.exog, len(y))
    seen = ~np.isnan(y).any(axis=1)
    resid = y[seen] - states[seen] @ mats.psi.T - d[seen]
    spread = np.einsum("ij,tjk,lk->til", mats.psi, covs[seen], mats.psi)
    return symmetrize((resid.T @ resid + spread.sum(axis=0)) / seen.sum())


def _state_cov(sigma_h, r, n_mat):
    eps = r @ sigma_h                                   # smoothed disturbances (n-1, k)
    var = sigma_h - np.einsum("ij,tjk,kl->til", sigma_h, n_mat, sigma_h)
    return symmetrize((eps.T @ eps + var.sum(axis=0)) / len(r))
