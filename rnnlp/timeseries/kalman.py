"""Kalman filter for the linear Gaussian state-space model, with exact diffuse start.

Notation (used everywhere in ``rnnlp.timeseries``), for t = 1..n with inputs x_t::

    state        h_t = Phi h_{t-1} + Gamma x_t + eps_t,   eps_t ~ N(0, Sigma_h)
    observation  y_t = Psi h_t + Xi x_t + eta_t,           eta_t ~ N(0, Sigma_obs)
    start        h_1 ~ N(initial_state + Gamma x_1, initial_cov + kappa * diffuse_cov),
                 kappa -> inf (the default start is the stationary distribution)

Any matrix may carry a leading time axis of length n (time-varying). A NaN in y_t marks that
entry missing: only the observed rows of y_t update the state, a fully missing row only
predicts. Updates use the Joseph form and re-symmetrise, so covariances stay symmetric PSD.

With a diffuse start the exact initialisation of Koopman (1997) / Durbin & Koopman (2012,
ch. 5) is used. The diffuse log-likelihood of a diffuse step is -log|F_inf| / 2: it drops the
2 pi constant that depends only on the improper prior, so it is D&K's reported value (-632.55
for the Nile local level at their estimates) and statsmodels' exact-diffuse ``llf`` plus
``p log(2 pi) / 2`` per diffuse observation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from rnnlp.errors import ConfigError, DataError

LOG_2PI = np.log(2.0 * np.pi)
DIFFUSE_TOL = 1e-9


@dataclass(frozen=True)
class Matrices:
    """System matrices; each is (a, b) or (n, a, b) when it varies over time.

    Shapes with k states, p observed series and r inputs: phi (k, k), gamma (k, r),
    sigma_h (k, k), psi (p, k), xi (p, r), sigma_obs (p, p), initial_state (k,),
    initial_cov (k, k), diffuse_cov (k, k) or None (no diffuse part).
    """

    phi: np.ndarray
    psi: np.ndarray
    sigma_h: np.ndarray
    sigma_obs: np.ndarray
    gamma: np.ndarray | None = None
    xi: np.ndarray | None = None
    initial_state: np.ndarray | None = None
    initial_cov: np.ndarray | None = None
    diffuse_cov: np.ndarray | None = None

    @property
    def k_states(self) -> int:
        return self.phi.shape[-1]

    @property
    def k_obs(self) -> int:
        return self.psi.shape[-2]

    @property
    def time_varying(self) -> bool:
        return any(m is not None and m.ndim == 3 for m in self._system())

    def _system(self):
        return (self.phi, self.psi, self.sigma_h, self.sigma_obs, self.gamma, self.xi)


def at(m: np.ndarray, t: int) -> np.ndarray:
    """The matrix in force at time index t (0-based)."""
    return m[t] if m.ndim == 3 else m


def stationary_cov(phi: np.ndarray, sigma_h: np.ndarray) -> np.ndarray:
    """The stationary covariance P = Phi P Phi' + Sigma_h; raises ConfigError if Phi is unstable."""
    radius = np.max(np.abs(np.linalg.eigvals(phi))) if phi.size else 0.0
    if radius >= 1.0:
        raise ConfigError(
            f"Phi has spectral radius {radius:.4g} >= 1, so no stationary start exists; "
            "use initialization='diffuse' or give initial_cov"
        )
    return symmetrize(linalg.solve_discrete_lyapunov(phi, sigma_h))


def symmetrize(a: np.ndarray) -> np.ndarray:
    return 0.5 * (a + (a.T if a.ndim == 2 else np.swapaxes(a, -1, -2)))


def intercepts(m: Matrices, x: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """State and observation intercepts c_t = Gamma x_t (n, k) and d_t = Xi x_t (n, p)."""
    c, d = np.zeros((n, m.k_states)), np.zeros((n, m.k_obs))
    if x is None:
        return c, d
    if m.gamma is not None:
        c = np.einsum("...ij,tj->ti", m.gamma, x) if m.gamma.ndim == 2 else np.einsum("tij,tj->ti", m.gamma, x)
    if m.xi is not None:
        d = np.einsum("...ij,tj->ti", m.xi, x) if m.xi.ndim == 2 else np.einsum("tij,tj->ti", m.xi, x)
    return c, d


def check_inputs(y: np.ndarray, m: Matrices, x: np.ndarray | None) -> None:
    """Shapes of y, x and every matrix agree; raises DataError / ConfigError naming the culprit."""
    n, p = y.shape
    if p != m.k_obs:
        raise DataError(f"y has {p} columns but Psi maps to {m.k_obs} observed series")
    needs_x = m.gamma is not None or m.xi is not None
    if needs_x and x is None:
        raise DataError("the model has inputs (Gamma or Xi) but no exog was given")
    if x is not None:
        if x.ndim != 2 or len(x) != n:
            raise DataError(f"exog must have one row per observation ({n}), got shape {x.shape}")
        if np.isnan(x).any():
            raise DataError(f"exog contains NaN at rows {np.unique(np.argwhere(np.isnan(x))[:, 0])[:5].tolist()}")
    for name, mat in zip(("phi", "psi", "sigma_h", "sigma_obs", "gamma", "xi"), m._system()):
        if mat is not None and mat.ndim == 3 and len(mat) != n:
            raise DataError(f"time-varying {name} has {len(mat)} steps but y has {n}")


def start(m: Matrices) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The distribution of h_1 before Gamma x_1: mean, finite cov, diffuse cov (or None)."""
    k = m.k_states
    a0 = np.zeros(k) if m.initial_state is None else np.asarray(m.initial_state, float)
    if m.initial_cov is not None:
        p0 = np.asarray(m.initial_cov, float)
    elif m.diffuse_cov is not None:
        p0 = np.zeros((k, k))
    else:
        p0 = stationary_cov(at(m.phi, 0), at(m.sigma_h, 0))
    return a0, p0, m.diffuse_cov


@dataclass
class FilterResult:
    """Kalman filter output for n steps, k states.

    predicted_state (n, k) / predicted_cov (n, k, k): h_t given y_1..y_{t-1};
    filtered_state / filtered_cov: h_t given y_1..y_t; loglike_obs (n,): each y_t's
    log-density given the past (0 for missing rows; -log|F_inf|/2 on diffuse steps);
    n_diffuse: d, the number of steps before the diffuse part vanished.
    ``steps`` keeps per-step quantities the smoother needs.
    """

    predicted_state: np.ndarray
    predicted_cov: np.ndarray
    filtered_state: np.ndarray
    filtered_cov: np.ndarray
    loglike_obs: np.ndarray
    n_diffuse: int = 0
    predicted_diffuse_cov: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)

    @property
    def loglike(self) -> float:
        return float(self.loglike_obs.sum())


def kalman_filter(y: np.ndarray, m: Matrices, x: np.ndarray | None = None) -> FilterResult:
    """Run the Kalman filter over y (n, p) with NaN = missing; see the module docstring.

    Raises ConfigError when an innovation covariance is singular (e.g. Sigma_obs = 0 with
    repeated observations): regularise Sigma_obs or drop the redundant series.
    """
    y = np.atleast_2d(y.T).T if y.ndim == 1 else y
    check_inputs(y, m, x)
    n, k = len(y), m.k_states
    c, d = intercepts(m, x, n)
    a, p_star, p_inf = start(m)
    out = FilterResult(np.empty((n, k)), np.empty((n, k, k)), np.empty((n, k)),
                       np.empty((n, k, k)), np.zeros(n))
    for t in range(n):
        if t == 0:
            a = a + c[0]
        else:
            phi = at(m.phi, t)
            a = phi @ a + c[t]
            p_star = symmetrize(phi @ p_star @ phi.T + at(m.sigma_h, t))
            p_inf = None if p_inf is None else symmetrize(phi @ p_inf @ phi.T)
        out.predicted_state[t], out.predicted_cov[t] = a, p_star
        if p_inf is not None:
            out.predicted_diffuse_cov[t] = p_inf
        a, p_star, p_inf, step, ll = _update(y[t], a, p_star, p_inf, at(m.psi, t), d[t], at(m.sigma_obs, t), t)
        out.filtered_state[t], out.filtered_cov[t] = a, p_star
        out.loglike_obs[t] = ll
        out.steps.append(step)
        if p_inf is not None and np.abs(p_inf).max() <= DIFFUSE_TOL:
            p_inf, out.n_diffuse = None, t + 1
    return out


def _update(yt, a, p_star, p_inf, psi, dt, sigma_obs, t):
    """One measurement update; returns (a, P*, P_inf, smoother record, loglike term)."""
    obs = ~np.isnan(yt)
    n_obs = int(obs.sum())
    if n_obs == 0:
        return a, p_star, p_inf, ("missing", obs, None, None, None), 0.0
    if n_obs == len(yt):  # no fancy-index copies in the common, fully observed case
        z, h, v = psi, sigma_obs, yt - psi @ a - dt
    else:
        z, h = psi[obs], sigma_obs[np.ix_(obs, obs)]
        v = yt[obs] - z @ a - dt[obs]
    kind, gain, finv, f2, logdet, p_star, p_inf = covariance_update(p_star, p_inf, z, h, t)
    ll = -0.5 * logdet if kind == "diffuse" else -0.5 * (n_obs * LOG_2PI + logdet + v @ finv @ v)
    return a + gain @ v, p_star, p_inf, (kind, obs, v, finv, f2), ll


def covariance_update(p_star, p_inf, z, h, t):
    """The data-free half of an update with observed rows z (q, k) and their noise h (q, q).

    Returns (kind, gain, F^-1 (F_inf^-1 if diffuse), F2 or None, log|F| (log|F_inf| if
    diffuse), new P*, new P_inf); the mean update is a + gain @ v. ``kind`` is ``standard``,
    ``diffuse0`` (diffuse part unseen by these rows) or ``diffuse`` (D&K 2012, 5.2).
    """
    if p_inf is not None:
        f_inf = z @ p_inf @ z.T
        if np.abs(f_inf).max() > DIFFUSE_TOL:
            return _diffuse_update(z, h, p_star, p_inf, f_inf, t)
    f = z @ p_star @ z.T + h
    finv, logdet = _inverse(f, t, "innovation covariance F_t")
    gain = p_star @ z.T @ finv
    ikz = -(gain @ z)
    ikz.flat[:: len(p_star) + 1] += 1.0  # I - K Z without allocating an identity
    p_new = symmetrize(ikz @ p_star @ ikz.T + gain @ h @ gain.T)  # Joseph form
    return ("standard" if p_inf is None else "diffuse0"), gain, finv, None, logdet, p_new, p_inf


def _diffuse_update(z, h, p_star, p_inf, f_inf, t):
    """Exact diffuse update when F_inf = Z P_inf Z' is non-singular (D&K 2012, 5.2)."""
    f1, logdet = _inverse(f_inf, t, "diffuse innovation covariance F_inf (partly diffuse "
                          "multivariate observations are not supported; use initial_cov)")
    f_star = z @ p_star @ z.T + h
    f2 = -f1 @ f_star @ f1
    m_inf, m_star = p_inf @ z.T, p_star @ z.T
    p_inf_new = symmetrize(p_inf - m_inf @ f1 @ m_inf.T)
    cross = m_star @ f1 @ m_inf.T
    p_star_new = symmetrize(p_star - cross - cross.T - m_inf @ f2 @ m_inf.T)
    return "diffuse", m_inf @ f1, f1, f2, logdet, p_star_new, p_inf_new


def _inverse(f: np.ndarray, t: int, what: str) -> tuple[np.ndarray, float]:
    """Inverse and log-determinant of a symmetric positive definite matrix via Cholesky."""
    if f.shape == (1, 1):  # the common univariate case, without LAPACK call overhead
        if not f[0, 0] > 0.0:
            raise ConfigError(f"{what} is singular at t={t}; make Sigma_obs positive definite")
        return 1.0 / f, float(np.log(f[0, 0]))
    try:  # numpy's LAPACK calls have far less per-call overhead than scipy's for tiny f
        chol = np.linalg.cholesky(f)
    except np.linalg.LinAlgError:
        raise ConfigError(f"{what} is singular at t={t}; make Sigma_obs positive definite") from None
    chol_inv = np.linalg.inv(chol)
    return chol_inv.T @ chol_inv, 2.0 * float(np.log(np.diagonal(chol)).sum())
