"""Fast log-likelihood: exact Kalman steps until the covariance reaches steady state, then a
vectorised linear recursion for the means.

For a time-invariant model the predicted covariance P_t converges to the solution of the
discrete algebraic Riccati equation (DARE). From then on the gain is constant and the
predicted means follow the linear system a_{t+1} = A a_t + u_t with A = Phi (I - K Psi),
which :func:`linear_recursion` evaluates in blocks with matrix products instead of a Python
loop per step. Before convergence (and on models this does not cover) the exact filter runs.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from rnnlp.timeseries.kalman import (DIFFUSE_TOL, LOG_2PI, Matrices, _inverse, _update, check_inputs,
                                     intercepts, kalman_filter, start, symmetrize)

STEADY_TOL = 1e-13
BLOCK = 16


def loglike(y: np.ndarray, m: Matrices, x: np.ndarray | None = None, steady: bool = True) -> float:
    """The Gaussian log-likelihood of y (n, p) under m; equals ``kalman_filter(y, m, x).loglike``.

    ``steady=True`` switches to the steady-state recursion once |P_t - P_dare| <= 1e-13 * |P|
    (elementwise max), which changes the result by far less than 1e-8 and makes long series
    fast. Time-varying models use the exact filter throughout; a diffuse start or NaN rows
    delay the switch until after the diffuse period and the last NaN.
    """
    y = y[:, None] if y.ndim == 1 else y
    if not steady or m.time_varying:
        return kalman_filter(y, m, x).loglike
    check_inputs(y, m, x)
    c, d = intercepts(m, x, len(y))
    p_bar = dare(m)
    last_nan = int(np.nonzero(np.isnan(y).any(axis=1))[0].max()) + 1 if np.isnan(y).any() else 0
    a, p, p_inf = start(m)
    a = a + c[0]
    total = 0.0
    for t in range(len(y)):
        if t > 0:
            a = m.phi @ a + c[t]
            p = symmetrize(m.phi @ p @ m.phi.T + m.sigma_h)
            p_inf = None if p_inf is None else symmetrize(m.phi @ p_inf @ m.phi.T)
        if p_inf is None and t >= last_nan and p_bar is not None and close(p, p_bar):
            return total + _steady_loglike(y[t:], c[t:], d[t:], a, p_bar, m)
        a, p, p_inf, _, ll = _update(y[t], a, p, p_inf, m.psi, d[t], m.sigma_obs, t)
        if p_inf is not None and np.abs(p_inf).max() <= DIFFUSE_TOL:
            p_inf = None
        total += ll
    return total


def dare(m: Matrices) -> np.ndarray | None:
    """The steady-state predicted covariance, or None when the DARE has no usable solution."""
    try:
        p_bar = linalg.solve_discrete_are(m.phi.T, m.psi.T, m.sigma_h, m.sigma_obs)
    except (linalg.LinAlgError, ValueError):
        return None
    return symmetrize(p_bar) if np.isfinite(p_bar).all() else None


def close(p: np.ndarray, p_bar: np.ndarray) -> bool:
    return np.abs(p - p_bar).max() <= STEADY_TOL * max(1.0, np.abs(p_bar).max())


def _steady_loglike(y, c, d, a0, p_bar, m: Matrices) -> float:
    """Log-likelihood of y[0:] given the predicted mean a0 of its first state and gain at P_bar."""
    _, v, finv, logdet, _ = steady_innovations(y, c, d, a0, p_bar, m)
    n, p = y.shape
    return -0.5 * (n * p * LOG_2PI + n * logdet + np.einsum("ti,ij,tj->", v, finv, v))


def steady_innovations(y, c, d, a0, p_bar, m: Matrices):
    """Predicted means, innovations, F^-1, log|F| and gain with the covariance fixed at P_bar.

    y (N, ..., p), c (N, ..., k), d (N, ..., p) are time-first; a0 (..., k) is the predicted
    mean of the first state. Returns means (N, ..., k), v (N, ..., p), finv, logdet, gain.
    """
    f = m.psi @ p_bar @ m.psi.T + m.sigma_obs
    finv, logdet = _inverse(f, 0, "steady-state innovation covariance")
    gain = p_bar @ m.psi.T @ finv                      # (k, p) update gain
    closed = m.phi @ (np.eye(m.k_states) - gain @ m.psi)  # A in a_{t+1} = A a_t + u_t
    inputs = (y - d) @ (m.phi @ gain).T                # u_t without c_{t+1}
    inputs[:-1] += c[1:]
    means = linear_recursion(closed, inputs[:-1], a0)
    return means, y - means @ m.psi.T - d, finv, logdet, gain


def linear_recursion(a_mat: np.ndarray, u: np.ndarray, s0: np.ndarray) -> np.ndarray:
    """States s_0 = s0, s_{t+1} = A s_t + u_t for t < len(u); returns (len(u) + 1, ..., k).

    ``u`` is (N, ..., k) and ``s0`` (..., k): extra axes are independent series. Evaluated in
    blocks of ``BLOCK`` steps: within a block the zero-start response is one matrix product
    with the block-Toeplitz matrix of powers of A; the block starts follow the same kind of
    recursion with A^BLOCK, solved recursively. Many series (>= 32) use a plain loop.
    """
    k, n, batch = s0.shape[-1], len(u) + 1, s0.shape[:-1]
    # with many series a plain loop already amortises Python's per-step cost over the batch
    if n <= 2 * BLOCK or np.prod(batch, dtype=int) >= 32:
        out = np.empty((n,) + s0.shape)
        out[0] = s0
        for t in range(n - 1):
            out[t + 1] = out[t] @ a_mat.T + u[t]
        return out
    nb = -(-n // BLOCK)
    padded = np.zeros((nb * BLOCK,) + s0.shape)
    padded[: n - 1] = u
    padded = np.moveaxis(padded.reshape((nb, BLOCK) + s0.shape), 1, -2)  # (nb, ..., B, k)
    powers = _powers(a_mat, BLOCK)                                        # (B + 1, k, k)
    flat = padded.reshape((nb,) + batch + (BLOCK * k,))
    blocks = (flat @ _toeplitz(powers)).reshape(padded.shape)            # zero-start responses
    ends = blocks[..., -1, :] @ a_mat.T + padded[..., -1, :]              # state after each block
    starts = linear_recursion(powers[BLOCK], ends[:-1], s0)               # (nb, ..., k)
    # state j steps into a block = A^j (block start) + zero-start response
    free = (starts @ powers[:BLOCK].transpose(2, 0, 1).reshape(k, BLOCK * k)).reshape(padded.shape)
    states = np.moveaxis(free + blocks, -2, 1).reshape((nb * BLOCK,) + s0.shape)
    return states[:n]


def _powers(a_mat: np.ndarray, count: int) -> np.ndarray:
    out = np.empty((count + 1,) + a_mat.shape)
    out[0] = np.eye(len(a_mat))
    for j in range(count):
        out[j + 1] = a_mat @ out[j]
    return out


def _toeplitz(powers: np.ndarray) -> np.ndarray:
    """M with (u_0..u_{B-1}) @ M = (w_0..w_{B-1}), w_j = sum_{i<j} A^{j-1-i} u_i (row vectors)."""
    b, k = len(powers) - 1, powers.shape[1]
    m = np.zeros((b, k, b, k))
    for i in range(b):
        for j in range(i + 1, b):
            m[i, :, j, :] = powers[j - 1 - i].T
    return m.reshape(b * k, b * k)
