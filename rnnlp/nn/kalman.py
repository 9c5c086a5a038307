"""A batched, differentiable Kalman filter in torch.

Same model and notation as :mod:`rnnlp.timeseries.kalman` (numpy), for B independent series:

    h_t = Phi h_{t-1} + Gamma x_t + eps_t,  eps_t ~ N(0, Sigma_h)
    y_t = Psi h_t + Xi x_t + eta_t,          eta_t ~ N(0, Sigma_obs)

with h_1 ~ N(initial_state + Gamma x_1, initial_cov) (default: the stationary distribution).
:func:`kalman_loglike` returns each series' exact log-likelihood; autograd gives its gradients,
so :class:`KalmanFilter` trains Phi, Psi, Gamma, Xi and the noise covariances with any torch
optimizer. A NaN in y marks a missing entry: its row of Psi is zeroed and its noise set to 1,
which removes it from the update exactly, and its log(2 pi) is not counted.
"""

from __future__ import annotations

import math

import torch
from torch import nn

LOG_2PI = math.log(2.0 * math.pi)


def stationary_cov(phi: torch.Tensor, sigma_h: torch.Tensor) -> torch.Tensor:
    """P with P = Phi P Phi' + Sigma_h, by solving (I - Phi kron Phi) vec(P) = vec(Sigma_h)."""
    k = phi.shape[-1]
    eye = torch.eye(k * k, dtype=phi.dtype, device=phi.device)
    vec = torch.linalg.solve(eye - torch.kron(phi, phi), sigma_h.reshape(-1))
    p = vec.reshape(k, k)
    return 0.5 * (p + p.T)


def kalman_loglike(y: torch.Tensor, phi: torch.Tensor, psi: torch.Tensor, sigma_h: torch.Tensor,
                   sigma_obs: torch.Tensor, x: torch.Tensor | None = None,
                   gamma: torch.Tensor | None = None, xi: torch.Tensor | None = None,
                   initial_state: torch.Tensor | None = None,
                   initial_cov: torch.Tensor | None = None, return_states: bool = False):
    """Log-likelihood (B,) of y (B, n, p) with NaN = missing; x is (B, n, r) or None.

    Matrices are shared by the batch: phi (k, k), psi (p, k), sigma_h (k, k),
    sigma_obs (p, p), gamma (k, r), xi (p, r). With ``return_states`` also returns the
    filtered states (B, n, k) and covariances (B, n, k, k).
    """
    b, n, p = y.shape
    k = phi.shape[-1]
    mask = ~torch.isnan(y)                                   # (B, n, p)
    y = torch.where(mask, y, torch.zeros((), dtype=y.dtype))
    c, d = _intercepts(x, gamma, xi, b, n, k, p, y)
    a = (torch.zeros(k, dtype=y.dtype) if initial_state is None else initial_state).expand(b, k) + c[:, 0]
    cov = stationary_cov(phi, sigma_h) if initial_cov is None else initial_cov
    cov = cov.expand(b, k, k)
    eye_k = torch.eye(k, dtype=y.dtype)
    total = y.new_zeros(b)
    states, covs = [], []
    for t in range(n):
        if t > 0:
            a = a @ phi.T + c[:, t]
            cov = phi @ cov @ phi.T + sigma_h
        a, cov, ll = _update(y[:, t], mask[:, t], a, cov, psi, d[:, t], sigma_obs, eye_k)
        total = total + ll
        if return_states:
            states.append(a), covs.append(cov)
    if return_states:
        return total, torch.stack(states, 1), torch.stack(covs, 1)
    return total


def _intercepts(x, gamma, xi, b, n, k, p, like):
    c, d = like.new_zeros(b, n, k), like.new_zeros(b, n, p)
    if x is not None and gamma is not None:
        c = x @ gamma.T
    if x is not None and xi is not None:
        d = x @ xi.T
    return c, d


def _update(yt, obs, a, cov, psi, dt, sigma_obs, eye_k):
    """Measurement update for one step of every series (Joseph form, symmetrised)."""
    w = obs.to(yt.dtype)                                     # (B, p) 1 = observed
    z = psi * w[:, :, None]                                  # missing rows of Psi -> 0
    h = sigma_obs * (w[:, :, None] * w[:, None, :]) + torch.diag_embed(1.0 - w)
    v = (yt - (z @ a[:, :, None])[..., 0] - dt) * w          # (B, p)
    f = z @ cov @ z.transpose(1, 2) + h
    chol = torch.linalg.cholesky(f)
    pz = cov @ z.transpose(1, 2)                             # (B, k, p)
    gain = torch.cholesky_solve(pz.transpose(1, 2), chol).transpose(1, 2)
    a = a + (gain @ v[:, :, None])[..., 0]
    ikz = eye_k - gain @ z
    cov = ikz @ cov @ ikz.transpose(1, 2) + gain @ h @ gain.transpose(1, 2)
    cov = 0.5 * (cov + cov.transpose(1, 2))
    quad = (v[:, None, :] @ torch.cholesky_solve(v[:, :, None], chol))[:, 0, 0]
    logdet = 2.0 * torch.log(torch.diagonal(chol, dim1=1, dim2=2)).sum(-1)
    return a, cov, -0.5 * (w.sum(-1) * LOG_2PI + logdet + quad)


def _cov_from_raw(raw: torch.Tensor) -> torch.Tensor:
    """A positive definite matrix L L' from a raw square tensor (lower part, log-diagonal)."""
    chol = torch.tril(raw, -1) + torch.diag_embed(torch.exp(torch.diagonal(raw)))
    return chol @ chol.T


def _raw_from_cov(cov: torch.Tensor) -> torch.Tensor:
    chol = torch.linalg.cholesky(cov)
    return torch.tril(chol, -1) + torch.diag_embed(torch.log(torch.diagonal(chol)))


class KalmanFilter(nn.Module):
    """Learnable linear Gaussian state space; ``forward(y, x=None)`` gives log-likelihoods (B,).

    Parameters: phi, psi, gamma and xi (when k_exog > 0) as they are; Sigma_h and Sigma_obs
    through Cholesky factors with log-diagonals, so any update keeps them positive definite.
    Train by minimising ``-model(y).mean()``. Phi is not constrained to be stable; the
    stationary start needs it to be (pass initial_cov otherwise).
    """

    def __init__(self, k_states: int, k_obs: int, k_exog: int = 0, dtype=torch.float64):
        super().__init__()
        opts = dict(dtype=dtype)
        self.phi = nn.Parameter(0.5 * torch.eye(k_states, **opts))
        self.psi = nn.Parameter(torch.ones(k_obs, k_states, **opts) / k_states)
        self.gamma = nn.Parameter(torch.zeros(k_states, k_exog, **opts)) if k_exog else None
        self.xi = nn.Parameter(torch.zeros(k_obs, k_exog, **opts)) if k_exog else None
        self.raw_sigma_h = nn.Parameter(torch.zeros(k_states, k_states, **opts))
        self.raw_sigma_obs = nn.Parameter(torch.zeros(k_obs, k_obs, **opts))

    @property
    def sigma_h(self) -> torch.Tensor:
        return _cov_from_raw(self.raw_sigma_h)

    @property
    def sigma_obs(self) -> torch.Tensor:
        return _cov_from_raw(self.raw_sigma_obs)

    @torch.no_grad()
    def set_matrices(self, phi=None, psi=None, sigma_h=None, sigma_obs=None, gamma=None, xi=None):
        """Copy given matrices (tensors or arrays) into the parameters."""
        for name, value in dict(phi=phi, psi=psi, gamma=gamma, xi=xi).items():
            if value is not None:
                getattr(self, name).copy_(torch.as_tensor(value))
        if sigma_h is not None:
            self.raw_sigma_h.copy_(_raw_from_cov(torch.as_tensor(sigma_h, dtype=self.phi.dtype)))
        if sigma_obs is not None:
            self.raw_sigma_obs.copy_(_raw_from_cov(torch.as_tensor(sigma_obs, dtype=self.phi.dtype)))

    def forward(self, y: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        return kalman_loglike(y, self.phi, self.psi, self.sigma_h, self.sigma_obs, x=x,
                              gamma=self.gamma, xi=self.xi)
