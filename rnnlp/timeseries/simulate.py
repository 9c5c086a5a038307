"""Random linear Gaussian state-space models, for tests, benchmarks and simulation studies."""

from __future__ import annotations

import numpy as np

from rnnlp.timeseries.kalman import Matrices


def random_model(seed: int = 0, k: int = 4, p: int = 2, r: int = 3, radius: float = 0.9) -> Matrices:
    """A stable model with ``k`` states, ``p`` observations and ``r`` exogenous inputs.

    Phi is a normal random matrix scaled to spectral radius ``radius``; the noise covariances are
    random positive definite (Sigma_obs at least 0.1 I); Psi, Gamma and Xi are standard normal.
    """
    rng = np.random.default_rng(seed)
    phi = rng.normal(size=(k, k))
    phi *= radius / np.max(np.abs(np.linalg.eigvals(phi)))
    lq, lh = rng.normal(size=(k, k)), rng.normal(size=(p, p))
    return Matrices(phi=phi, psi=rng.normal(size=(p, k)), sigma_h=lq @ lq.T / k,
                    sigma_obs=lh @ lh.T / p + 0.1 * np.eye(p), gamma=rng.normal(size=(k, r)),
                    xi=rng.normal(size=(p, r)))


def statsmodels_model(y: np.ndarray, m: Matrices, x: np.ndarray):
    """The same model as a statsmodels ``MLEModel`` (for cross-checks; needs statsmodels).

    statsmodels' timing is alpha_{t+1} = T alpha_t + c_t, so c_t = Gamma x_{t+1}; the start is
    the stationary distribution around Gamma x_0, as rnnlp's filter starts.
    """
    from statsmodels.tsa.statespace.mlemodel import MLEModel

    from rnnlp.timeseries.kalman import stationary_cov

    n, k = len(y), m.k_states
    mod = MLEModel(y, k_states=k)
    mod["design"], mod["transition"], mod["selection"] = m.psi, m.phi, np.eye(k)
    mod["state_cov"], mod["obs_cov"] = m.sigma_h, m.sigma_obs
    mod["obs_intercept"] = (x @ m.xi.T).T
    c = np.zeros((k, n))
    c[:, :-1] = (x[1:] @ m.gamma.T).T
    mod["state_intercept"] = c
    mod.ssm.initialize_known(m.gamma @ x[0], stationary_cov(m.phi, m.sigma_h))
    return mod
