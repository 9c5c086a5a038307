"""Kalman filtering of many independent, equal-length series under one model at once.

The covariances, gains and log-determinants of the filter depend only on the model and on
which entries are missing, not on the data. So series are grouped by missing-value pattern;
each group runs one covariance recursion and updates all of its means with one matrix
product per step. Fully observed batches are one group: the cost per step is that of one
filter plus a (series, k) x (k, k) product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlp.errors import DataError
from rnnlp.timeseries._checks import as_array
from rnnlp.timeseries import steady
from rnnlp.timeseries.kalman import DIFFUSE_TOL, LOG_2PI, Matrices, at, covariance_update, start, symmetrize


@dataclass(frozen=True)
class BatchFilterResult:
    """loglike (S,) per series; filtered_state (S, n, k); filtered_cov (S, n, k, k) or None."""

    loglike: np.ndarray
    filtered_state: np.ndarray
    filtered_cov: np.ndarray | None


def batch_filter(y, m: Matrices, x=None, covariances: bool = False, steady: bool = True) -> BatchFilterResult:
    """Filter y (S, n) or (S, n, p) with NaN = missing; x is (n, r) shared or (S, n, r).

    Gives what :func:`rnnlp.timeseries.kalman.kalman_filter` gives series by series.
    ``covariances=True`` also returns the (S, n, k, k) filtered covariances. ``steady=True``
    switches to the steady-state recursion as :func:`rnnlp.timeseries.loglike` does (a change
    far below 1e-8); ``steady=False`` runs the exact filter to the end.
    """
    y = as_array(y, "y", (2, 3), allow_nan=True)
    y = y[..., None] if y.ndim == 2 else y
    s, n, p = y.shape
    if p != m.k_obs:
        raise DataError(f"y has {p} series per row but Psi maps to {m.k_obs}")
    c, d = _batch_intercepts(m, x, s, n)
    ll = np.zeros(s)
    states = np.empty((s, n, m.k_states))
    covs = np.empty((s, n, m.k_states, m.k_states)) if covariances else None
    for idx in _missing_groups(y):
        whole = len(idx) == s  # avoid copying the data when there is one group
        ll[idx], states[idx], group_covs = _filter_group(
            y if whole else y[idx], m, c if whole else c[idx], d if whole else d[idx], steady)
        if covariances:
            covs[idx] = group_covs
    return BatchFilterResult(ll, states, covs)


def _missing_groups(y: np.ndarray) -> list[np.ndarray]:
    """Indices of the series that share each missing-value pattern."""
    nan = np.isnan(y)
    if not nan.any():
        return [np.arange(len(y))]
    keys = np.packbits(nan.reshape(len(y), -1), axis=1)
    keys = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.shape[1]))).ravel()
    _, group = np.unique(keys, return_inverse=True)
    return [np.nonzero(group == g)[0] for g in range(group.max() + 1)]


def _batch_intercepts(m: Matrices, x, s: int, n: int):
    """Intercepts c (S, n, k) and d (S, n, p); shared inputs give broadcast views, not copies."""
    if x is None:
        if m.gamma is not None or m.xi is not None:
            raise DataError("the model has inputs (Gamma or Xi) but no x was given")
        return np.broadcast_to(np.zeros((n, m.k_states)), (s, n, m.k_states)), \
            np.broadcast_to(np.zeros((n, m.k_obs)), (s, n, m.k_obs))
    x = as_array(x, "x", (2, 3))
    if x.shape[-2] != n or (x.ndim == 3 and len(x) != s):
        raise DataError(f"x must be (n, r) or (S, n, r) with S={s}, n={n}; got shape {x.shape}")
    c, d = _apply(m.gamma, x, m.k_states), _apply(m.xi, x, m.k_obs)
    return np.broadcast_to(c, (s, n, m.k_states)), np.broadcast_to(d, (s, n, m.k_obs))


def _apply(mat, x, rows):
    """mat_t @ x_t for every step (and series when x is 3-d); zeros when mat is None."""
    if mat is None:
        return np.zeros(x.shape[:-1] + (rows,))
    return x @ mat.T if mat.ndim == 2 else np.einsum("tij,...tj->...ti", mat, x)


def _filter_group(y, m: Matrices, c, d, use_steady: bool = True):
    """Series sharing one missing pattern: one covariance recursion, batched means; once the
    covariance reaches steady state (time-invariant models), the vectorised recursion."""
    s, n, _ = y.shape
    a0, p_star, p_inf = start(m)
    a = np.broadcast_to(a0, (s, m.k_states)) + c[:, 0]
    ll, states, covs = np.zeros(s), np.empty((s, n, m.k_states)), np.empty((n, m.k_states, m.k_states))
    observed = ~np.isnan(y[0])
    incomplete = np.nonzero(~observed.all(axis=1))[0]
    first_steady = incomplete.max() + 1 if len(incomplete) else 0
    p_bar = None if m.time_varying or not use_steady else steady.dare(m)
    for t in range(n):
        if t > 0:
            phi = at(m.phi, t)
            a = a @ phi.T + c[:, t]
            p_star = symmetrize(phi @ p_star @ phi.T + at(m.sigma_h, t))
            p_inf = None if p_inf is None else symmetrize(phi @ p_inf @ phi.T)
        if p_inf is None and t >= first_steady and p_bar is not None and steady.close(p_star, p_bar):
            ll += _steady_tail(y[:, t:], c[:, t:], d[:, t:], a, p_bar, m, states[:, t:], covs[t:])
            break
        if observed[t].any():
            a, p_star, p_inf, step_ll = _update(y[:, t], observed[t], a, p_star, p_inf, m, d[:, t], t)
            ll += step_ll
        states[:, t], covs[t] = a, p_star
    return ll, states, np.broadcast_to(covs, (s,) + covs.shape)


def _update(yt, obs, a, p_star, p_inf, m, dt, t):
    """One measurement update of every series' mean (S, k) with the shared covariance."""
    psi = at(m.psi, t)
    if obs.all():  # slices, not copies, in the common fully observed case
        z, h, v = psi, at(m.sigma_obs, t), yt - a @ psi.T - dt
    else:
        z, h = psi[obs], at(m.sigma_obs, t)[np.ix_(obs, obs)]
        v = yt[:, obs] - a @ z.T - dt[:, obs]
    kind, gain, finv, _, logdet, p_star, p_inf = covariance_update(p_star, p_inf, z, h, t)
    if p_inf is not None and np.abs(p_inf).max() <= DIFFUSE_TOL:
        p_inf = None
    if kind == "diffuse":
        return a + v @ gain.T, p_star, p_inf, -0.5 * logdet
    quad = ((v @ finv) * v).sum(axis=1)
    return a + v @ gain.T, p_star, p_inf, -0.5 * (obs.sum() * LOG_2PI + logdet + quad)


def _steady_tail(y, c, d, a, p_bar, m, states_out, covs_out) -> np.ndarray:
    """Log-likelihoods (S,) of y (S, N, p) from a steady state; fills states and covariances."""
    time_first = [np.moveaxis(arr, 1, 0) for arr in (y, c, d)]
    means, v, finv, logdet, gain = steady.steady_innovations(*time_first, a, p_bar, m)
    states_out[:] = np.moveaxis(means + v @ gain.T, 0, 1)
    _, _, _, _, _, p_filtered, _ = covariance_update(p_bar, None, m.psi, m.sigma_obs, 0)
    covs_out[:] = p_filtered
    n, p = y.shape[1], y.shape[2]
    return -0.5 * (n * p * LOG_2PI + n * logdet + ((v @ finv) * v).sum(axis=(0, 2)))
