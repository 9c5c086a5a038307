"""Fixed-interval state smoother: E[h_t | y_1..y_n] and its covariance.

This gives the Rauch-Tung-Striebel estimates, computed by the backward recursion of
de Jong (1989) / Durbin & Koopman (2012, 4.4 and 5.3) over the filter's innovations. That
form needs no inverse of the predicted covariances, so it also works when they are singular
(e.g. zero state noise) and through an exact diffuse start, missing rows and missing entries.
"""

from __future__ import annotations

import numpy as np

from rnnlp.timeseries.kalman import FilterResult, Matrices, at, symmetrize


def smooth(result: FilterResult, m: Matrices, disturbances: bool = False):
    """Smoothed states (n, k) and covariances (n, k, k) from a filter run of model ``m``.

    With ``disturbances=True`` also returns (r, N), (n, k) and (n, k, k): the backward
    quantities after step t, so that E[eps_{t+1} | y] = Sigma_h r_t and
    Var[eps_{t+1} | y] = Sigma_h - Sigma_h N_t Sigma_h (D&K 2012, 4.5 and 5.3), which EM uses.
    """
    n, k = result.predicted_state.shape
    states, covs = np.empty((n, k)), np.empty((n, k, k))
    r_after, n_after = np.empty((n, k)), np.empty((n, k, k))
    r0, r1 = np.zeros(k), np.zeros(k)
    n0, n1, n2 = np.zeros((k, k)), None, None  # N1, N2 exist only once a diffuse step is met
    for t in range(n - 1, -1, -1):
        r_after[t], n_after[t] = r0, n0
        # the transition out of step t is Phi_{t+1}; after the last step it is irrelevant
        phi = at(m.phi, min(t + 1, n - 1))
        a, p = result.predicted_state[t], result.predicted_cov[t]
        p_inf = result.predicted_diffuse_cov.get(t)
        kind, obs, v, finv, f2 = result.steps[t]
        z = at(m.psi, t)[obs] if kind != "missing" else None
        if kind == "diffuse":
            if n1 is None:
                n1, n2 = np.zeros((k, k)), np.zeros((k, k))
            r0, r1, n0, n1, n2 = _diffuse_step(phi, z, v, finv, f2, p, p_inf, r0, r1, n0, n1, n2)
        else:
            r0, r1, n0, n1, n2 = _plain_step(phi, z, v, finv, p, r0, r1, n0, n1, n2, kind)
        states[t] = a + p @ r0 + (p_inf @ r1 if p_inf is not None else 0.0)
        covs[t] = _smoothed_cov(p, p_inf, n0, n1, n2)
    return (states, covs, r_after, n_after) if disturbances else (states, covs)


def _plain_step(phi, z, v, finv, p, r0, r1, n0, n1, n2, kind):
    """Backward step for an ordinary update (or a diffuse step where F_inf = 0)."""
    # r1, N1, N2 are non-zero only before the end of a diffuse period (D&K 5.3)
    diffuse = n1 is not None
    if kind == "missing":
        r0, n0 = phi.T @ r0, phi.T @ n0 @ phi
        if not diffuse:
            return r0, r1, n0, None, None
        return r0, phi.T @ r1, n0, phi.T @ n1 @ phi, phi.T @ n2 @ phi
    zf = z.T @ finv
    l0 = -(p @ zf @ z)
    l0.flat[:: len(p) + 1] += 1.0
    l0 = phi @ l0
    new_r0 = zf @ v + l0.T @ r0
    new_n0 = symmetrize(zf @ z + l0.T @ n0 @ l0)
    if not diffuse:
        return new_r0, r1, new_n0, None, None
    return new_r0, phi.T @ r1, new_n0, phi.T @ n1 @ l0, phi.T @ n2 @ phi


def _diffuse_step(phi, z, v, f1, f2, p_star, p_inf, r0, r1, n0, n1, n2):
    """Backward step for a diffuse update with non-singular F_inf (D&K 2012, 5.21-5.23)."""
    k = len(p_star)
    m_inf, m_star = p_inf @ z.T, p_star @ z.T
    l0 = phi @ (np.eye(k) - m_inf @ f1 @ z)
    l1 = -phi @ (m_star @ f1 + m_inf @ f2) @ z
    new_r0 = l0.T @ r0
    new_r1 = z.T @ f1 @ v + l0.T @ r1 + l1.T @ r0
    new_n0 = l0.T @ n0 @ l0
    new_n1 = z.T @ f1 @ z + l0.T @ n1 @ l0 + l1.T @ n0 @ l0 + l0.T @ n0 @ l1
    new_n2 = (z.T @ f2 @ z + l0.T @ n2 @ l0 + l0.T @ n1 @ l1 + l1.T @ n1 @ l0
              + l1.T @ n0 @ l1)
    return new_r0, new_r1, symmetrize(new_n0), new_n1, symmetrize(new_n2)


def _smoothed_cov(p, p_inf, n0, n1, n2):
    """V_t = P - P N0 P, plus the diffuse terms while P_inf is non-zero."""
    v = p - p @ n0 @ p
    if p_inf is not None and n1 is not None:
        cross = p_inf @ n1 @ p
        v = v - cross - cross.T - p_inf @ n2 @ p_inf
    return symmetrize(v)
