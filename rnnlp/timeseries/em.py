"""EM estimation (Shumway & Stoffer 1982) of Phi, Psi, Sigma_h and Sigma_obs.

E-step: the Kalman filter and smoother at the current values. M-step, closed form, with
smoothed moments E[.|y] written <.> and d_t = Xi x_t, c_t = Gamma x_t (inputs stay fixed):

    Phi       = S10 S00^-1,  S10 = sum <(h_t - c_t) h_{t-1}'>,  S00 = sum <h_{t-1} h_{t-1}'>
    Sigma_h   = mean over t >= 2 of <(h_t - c_t - Phi h_{t-1})(...)'>
    Psi       = (sum (y_t - d_t) <h_t>') (sum <h_t h_t'>)^-1          over observed t
    Sigma_obs = mean over observed t of <(y_t - d_t - Psi h_t)(...)'>

When Phi is fixed, Sigma_h comes from the smoothed state disturbances eps^_t = Sigma_h r_{t-1},
Var = Sigma_h - Sigma_h N Sigma_h (D&K 2012, 4.5), which stay valid through an exact diffuse
start; estimating Phi needs the lag-one covariances Cov(h_t, h_{t+1} | y) = P_t L_t'(I - N_t
P_{t+1}) (D&K 4.7), so it needs a non-diffuse start. Gamma and Xi must be fixed, and only
whole rows may be missing. The start is recomputed from the current values each iteration
(the M-step ignores its dependence on the parameters, as usual).
"""

from __future__ import annotations

import numpy as np

from rnnlp.errors import ConfigError
from rnnlp.timeseries.kalman import at, intercepts, kalman_filter, symmetrize
from rnnlp.timeseries.smoother import smooth

EM_FREE = ("phi", "psi", "sigma_h", "sigma_obs")


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
    others = [name for name in model.layout.shapes if name not in EM_FREE]
    if others:
        raise ConfigError(f"EM cannot estimate {', '.join(others)}; fix them or use method='mle'")
    if "phi" in model.layout.shapes and model.initialization == "diffuse":
        raise ConfigError("EM estimates phi only with a non-diffuse start; fix phi or use method='mle'")
    if model.layout.cov_form == "diagonal" and "phi" in model.layout.shapes:
        raise ConfigError("EM with free phi needs cov_form='full'")
    nan = np.isnan(model.endog)
    if (nan.any(axis=1) & ~nan.all(axis=1)).any():
        raise ConfigError("EM supports only whole missing rows; use method='mle' for partly missing rows")


def _m_step(model, mats, filtered, params):
    states, covs, r_after, n_after = smooth(filtered, mats, disturbances=True)
    new = dict(model._natural_matrices(params))
    c, d = intercepts(mats, model.exog, len(states))
    if "phi" in new:
        new["phi"], new["sigma_h"] = _transition(mats, filtered, states, covs, n_after, c, "sigma_h" in new)
    elif "sigma_h" in new:
        new["sigma_h"] = _state_cov(mats.sigma_h, r_after[:-1], n_after[:-1])
    if "psi" in new:
        new["psi"] = _design(model.endog, states, covs, d)
    if "sigma_obs" in new:
        new["sigma_obs"] = _obs_cov(model.endog, new.get("psi", mats.psi), states, covs, d)
    if model.layout.cov_form == "diagonal":
        new = {k: (np.diag(np.diag(v)) if k in ("sigma_h", "sigma_obs") else v) for k, v in new.items()}
    return model.layout.from_matrices(new)


def _transition(mats, filtered, states, covs, n_after, c, free_cov):
    """New Phi (and Sigma_h) from smoothed first and lag-one second moments."""
    lag = _lag_one_covs(filtered, mats, n_after)        # Cov(h_t, h_{t+1} | y), t < n-1
    now, before = states[1:] - c[1:], states[:-1]
    s00 = before.T @ before + covs[:-1].sum(axis=0)
    s10 = now.T @ before + lag.transpose(0, 2, 1).sum(axis=0)
    s11 = now.T @ now + covs[1:].sum(axis=0)
    phi = np.linalg.solve(s00.T, s10.T).T
    sigma_h = symmetrize((s11 - phi @ s10.T) / len(now)) if free_cov else mats.sigma_h
    return phi, sigma_h


def _lag_one_covs(filtered, mats, n_after):
    n, k = filtered.predicted_state.shape
    out = np.empty((n - 1, k, k))
    for t in range(n - 1):
        p, phi = filtered.predicted_cov[t], at(mats.phi, t + 1)
        kind, obs, _, finv, _ = filtered.steps[t]
        if kind == "missing":
            l_mat = phi
        else:
            z = at(mats.psi, t)[obs]
            l_mat = phi @ (np.eye(k) - p @ z.T @ finv @ z)
        out[t] = p @ l_mat.T @ (np.eye(k) - n_after[t] @ filtered.predicted_cov[t + 1])
    return out


def _design(y, states, covs, d):
    seen = ~np.isnan(y).any(axis=1)
    h = states[seen]
    return np.linalg.solve((h.T @ h + covs[seen].sum(axis=0)).T, ((y[seen] - d[seen]).T @ h).T).T


def _obs_cov(y, psi, states, covs, d):
    seen = ~np.isnan(y).any(axis=1)
    resid = y[seen] - states[seen] @ psi.T - d[seen]
    spread = np.einsum("ij,tjk,lk->til", psi, covs[seen], psi)
    return symmetrize((resid.T @ resid + spread.sum(axis=0)) / seen.sum())


def _state_cov(sigma_h, r, n_mat):
    eps = r @ sigma_h                                   # smoothed disturbances (n-1, k)
    var = sigma_h - np.einsum("ij,tjk,kl->til", sigma_h, n_mat, sigma_h)
    return symmetrize((eps.T @ eps + var.sum(axis=0)) / len(r))
