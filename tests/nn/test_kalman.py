"""The torch Kalman filter: equal to the numpy filter, differentiable, trainable."""

import numpy as np
import pytest
import torch

from rnnlp.nn.kalman import KalmanFilter, kalman_loglike
from rnnlp.timeseries import kalman_filter
from rnnlp.timeseries.simulate import random_model


@pytest.fixture(autouse=True)
def one_thread():
    # these ops are tiny: extra intra-op threads only add contention on a busy machine
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tensors(m):
    return {name: torch.tensor(getattr(m, name)) for name in ("phi", "psi", "sigma_h", "sigma_obs", "gamma", "xi")}


@pytest.mark.parametrize("seed", [0, 1])
def test_torch_filter_equals_numpy(seed):
    m = random_model(seed)
    rng = np.random.default_rng(seed + 10)
    y, x = rng.normal(size=(6, 120, 2)), rng.normal(size=(6, 120, 3))
    y[1, 5, 0] = np.nan
    y[3, 30:40] = np.nan
    ll, states, covs = kalman_loglike(torch.tensor(y), x=torch.tensor(x), return_states=True, **tensors(m))
    for i in range(6):
        ref = kalman_filter(y[i], m, x[i])
        np.testing.assert_allclose(ll[i].item(), ref.loglike, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(states[i].numpy(), ref.filtered_state, atol=1e-6)
        np.testing.assert_allclose(covs[i].numpy(), ref.filtered_cov, atol=1e-6)


def test_gradients_are_correct():
    m = random_model(2, k=2, p=1, r=1)
    rng = np.random.default_rng(2)
    y, x = torch.tensor(rng.normal(size=(2, 15, 1))), torch.tensor(rng.normal(size=(2, 15, 1)))
    params = {k: v.clone().requires_grad_(True) for k, v in tensors(m).items()}
    names = list(params)

    def f(*values):
        return kalman_loglike(y, x=x, **dict(zip(names, values))).sum()

    assert torch.autograd.gradcheck(f, tuple(params.values()))


def test_training_recovers_noise_variances():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    n, b = 50, 40
    h = np.zeros((b, n))
    for t in range(1, n):
        h[:, t] = 0.8 * h[:, t - 1] + rng.normal(size=b)
    y = torch.tensor((h + 0.5 * rng.normal(size=(b, n)))[..., None])
    model = KalmanFilter(1, 1)
    with torch.no_grad():
        model.psi.fill_(1.0)
    model.psi.requires_grad_(False)  # fix the scale so the model is identified
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.15)
    start = -model(y).mean().item()
    for _ in range(40):
        opt.zero_grad()
        loss = -model(y).mean()
        loss.backward()
        opt.step()
    truth = KalmanFilter(1, 1)
    truth.set_matrices(phi=[[0.8]], psi=[[1.0]], sigma_h=[[1.0]], sigma_obs=[[0.25]])
    with torch.no_grad():
        at_truth = -truth(y).mean().item()
    # training reaches (about) the likelihood maximum, which is at least as high as the truth's
    assert loss.item() < start and loss.item() < at_truth + 0.02
    assert abs(model.phi.item() - 0.8) < 0.06
    assert abs(model.sigma_h.item() - 1.0) < 0.2 and abs(model.sigma_obs.item() - 0.25) < 0.1


def test_set_matrices_round_trip():
    m = random_model(4)
    model = KalmanFilter(4, 2, k_exog=3)
    model.set_matrices(**{k: getattr(m, k) for k in ("phi", "psi", "sigma_h", "sigma_obs", "gamma", "xi")})
    np.testing.assert_allclose(model.sigma_h.detach().numpy(), m.sigma_h, atol=1e-12)
    rng = np.random.default_rng(4)
    y, x = rng.normal(size=(1, 50, 2)), rng.normal(size=(1, 50, 3))
    ll = model(torch.tensor(y), torch.tensor(x))
    np.testing.assert_allclose(ll.item(), kalman_filter(y[0], m, x[0]).loglike, rtol=1e-6)
