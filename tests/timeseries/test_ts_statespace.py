"""State space: Kalman filter, smoother, MLE and EM against statsmodels and Durbin & Koopman."""

import numpy as np
import pytest

from rnnlp.errors import ConfigError, DataError
from rnnlp.timeseries import LocalLevel, LocalLinearTrend, Matrices, StateSpace, kalman_filter, loglike, smooth

sm = pytest.importorskip("statsmodels.api")
from statsmodels.tsa.statespace.mlemodel import MLEModel  # noqa: E402
from rnnlp.timeseries.simulate import random_model, statsmodels_model

HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


@pytest.fixture(scope="module")
def nile():
    return sm.datasets.nile.load_pandas().data["volume"].to_numpy(dtype=float)


@pytest.fixture(scope="module")
def nile_missing(nile):
    y = nile.copy()
    y[np.r_[20:40, 60:80]] = np.nan  # 40 missing observations, as in D&K 2.7
    return y


def statsmodels_run(y, m, x):
    """The same model smoothed by statsmodels' conventional filter and smoother."""
    mod = statsmodels_model(y, m, x)
    mod.ssm.filter_conventional = True
    mod.ssm.tolerance = 0.0  # no steady-state shortcut in the reference
    return mod.ssm.smooth()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_models_with_exog_match_statsmodels(seed):
    m = random_model(seed)
    rng = np.random.default_rng(100 + seed)
    x, y = rng.normal(size=(300, 3)), rng.normal(size=(300, 2))
    y[[10, 50, 51]] = np.nan
    y[70, 1] = np.nan
    ref = statsmodels_run(y, m, x)
    ours = kalman_filter(y, m, x)
    np.testing.assert_allclose(ours.loglike, ref.llf_obs.sum(), rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(ours.filtered_state, ref.filtered_state.T, atol=1e-8)
    np.testing.assert_allclose(ours.filtered_cov, ref.filtered_state_cov.transpose(2, 0, 1), atol=1e-8)
    states, covs = smooth(ours, m)
    np.testing.assert_allclose(states, ref.smoothed_state.T, atol=1e-8)
    np.testing.assert_allclose(covs, ref.smoothed_state_cov.transpose(2, 0, 1), atol=1e-8)
    # the steady-state fast path gives the same log-likelihood
    np.testing.assert_allclose(loglike(y, m, x), ours.loglike, rtol=1e-12, atol=1e-8)


def test_steady_state_path_long_series():
    m = random_model(5)
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(3000, 3)), rng.normal(size=(3000, 2))
    exact = kalman_filter(y, m, x).loglike
    np.testing.assert_allclose(loglike(y, m, x), exact, rtol=1e-12)
    np.testing.assert_allclose(loglike(y, m, x, steady=False), exact, rtol=1e-14)


def test_covariances_stay_symmetric_psd():
    m = random_model(3)
    rng = np.random.default_rng(3)
    res = kalman_filter(rng.normal(size=(200, 2)) * 1e3, m, rng.normal(size=(200, 3)))
    covs = np.concatenate([res.filtered_cov, res.predicted_cov])
    np.testing.assert_array_equal(covs, covs.transpose(0, 2, 1))
    assert np.linalg.eigvalsh(covs).min() > -1e-10


@pytest.mark.parametrize("missing", [False, True])
def test_nile_fixed_params_match_statsmodels_exact_diffuse(nile, nile_missing, missing):
    y = nile_missing if missing else nile
    ours = LocalLevel(y).smooth([1469.1, 15099.0])
    ref = sm.tsa.UnobservedComponents(y, "llevel", use_exact_diffuse=True).smooth([15099.0, 1469.1])
    np.testing.assert_allclose(ours.filtered_state[:, 0], ref.filtered_state[0], atol=1e-8)
    np.testing.assert_allclose(ours.filtered_cov[:, 0, 0], ref.filtered_state_cov[0, 0], rtol=1e-10)
    np.testing.assert_allclose(ours.smoothed_state[:, 0], ref.smoothed_state[0], atol=1e-8)
    np.testing.assert_allclose(ours.smoothed_cov[:, 0, 0], ref.smoothed_state_cov[0, 0], rtol=1e-10)
    # the diffuse first observation contributes no log(2 pi) / 2 here (see kalman.py)
    np.testing.assert_allclose(ours.loglike, ref.llf + HALF_LOG_2PI, atol=1e-8)


def test_local_linear_trend_matches_statsmodels(nile_missing):
    y = nile_missing.copy()
    y[1] = np.nan  # a missing value inside the diffuse period
    ours = LocalLinearTrend(y).smooth([1000.0, 10.0, 10000.0])
    ref = sm.tsa.UnobservedComponents(y, "lltrend", use_exact_diffuse=True).smooth([1e4, 1e3, 10.0])
    n_diffuse_obs = sum(step[0] == "diffuse" for step in ours._filtered.steps)
    np.testing.assert_allclose(ours.loglike, ref.llf + n_diffuse_obs * HALF_LOG_2PI, atol=1e-8)
    np.testing.assert_allclose(ours.smoothed_state, ref.smoothed_state.T, atol=1e-8)
    np.testing.assert_allclose(ours.smoothed_cov, ref.smoothed_state_cov.transpose(2, 0, 1), rtol=1e-8)
    np.testing.assert_allclose(ours.filtered_state[2:], ref.filtered_state.T[2:], atol=1e-8)


def test_nile_mle_matches_durbin_koopman(nile):
    res = LocalLevel(nile).fit()
    level, irregular = res.params
    assert abs(irregular / 15099 - 1) < 0.01 and abs(level / 1469.1 - 1) < 0.01
    assert abs(res.loglike - (-632.54)) < 0.01
    assert "sigma_obs[0,0]" in res.summary()
    # standard errors match statsmodels numerical-Hessian ones
    ref = sm.tsa.UnobservedComponents(nile, "llevel", use_exact_diffuse=True).smooth([irregular, level], cov_type="approx")
    np.testing.assert_allclose(res.bse, ref.bse[::-1], rtol=0.05)


def test_nile_em_reaches_mle(nile):
    res = LocalLevel(nile).fit("em")
    level, irregular = res.params
    assert abs(irregular / 15099 - 1) < 0.01 and abs(level / 1469.1 - 1) < 0.01
    assert abs(res.loglike - (-632.54)) < 0.01


def test_em_never_decreases_loglike(nile_missing):
    model = LocalLevel(nile_missing)
    lls = [model.fit("em", start_params=[100.0, 100.0], maxiter=i).loglike for i in (1, 2, 5, 20)]
    assert np.all(np.diff(lls) >= -1e-9)


def test_mle_with_missing_matches_statsmodels_optimum(nile_missing):
    ours = LocalLevel(nile_missing).fit()
    ref = sm.tsa.UnobservedComponents(nile_missing, "llevel", use_exact_diffuse=True).fit(disp=0)
    np.testing.assert_allclose(ours.params, ref.params[::-1], rtol=2e-3)
    assert ours.loglike >= ref.llf + HALF_LOG_2PI - 1e-6


def test_forecast_matches_statsmodels(nile):
    ours = LocalLevel(nile).smooth([1469.1, 15099.0]).forecast(5, alpha=0.2)
    ref = sm.tsa.UnobservedComponents(nile, "llevel", use_exact_diffuse=True).smooth([15099.0, 1469.1])
    pred = ref.get_forecast(5)
    np.testing.assert_allclose(ours.mean[:, 0], pred.predicted_mean, rtol=1e-10)
    np.testing.assert_allclose(ours.cov[:, 0, 0], pred.var_pred_mean, rtol=1e-10)
    np.testing.assert_allclose(ours.lower[:, 0], pred.conf_int(alpha=0.2)[:, 0], rtol=1e-10)


def test_generic_statespace_mle_recovers_ar1_plus_noise():
    rng = np.random.default_rng(7)
    h = np.zeros(2000)
    for t in range(1, 2000):
        h[t] = 0.8 * h[t - 1] + rng.normal()
    y = h + 0.5 * rng.normal(size=2000)
    res = StateSpace(y, 1, psi=[[1.0]]).fit()
    phi, sigma_h, sigma_obs = res.params
    assert abs(phi - 0.8) < 0.05 and abs(sigma_h - 1) < 0.2 and abs(sigma_obs - 0.25) < 0.1
    assert res.param_names == ["phi[0,0]", "sigma_h[0,0]", "sigma_obs[0,0]"]


def test_em_estimates_transition_like_mle():
    rng = np.random.default_rng(8)
    h = np.zeros(200)
    for t in range(1, 200):
        h[t] = 0.8 * h[t - 1] + rng.normal()
    y = h + 0.5 * rng.normal(size=200)
    model = StateSpace(y, 1, psi=[[1.0]])
    mle = model.fit()
    em = model.fit("em", start_params=[0.7, 0.8, 0.3], tol=1e-8)
    lls = [model.fit("em", start_params=[0.5, 0.5, 0.5], maxiter=i).loglike for i in (1, 2, 4)]
    assert np.all(np.diff(lls) > 0)
    np.testing.assert_allclose(em.params, mle.params, rtol=0.02)
    assert abs(em.loglike - mle.loglike) < 0.01


def test_bad_input(nile):
    with pytest.raises(DataError, match="exog has 99 rows"):
        StateSpace(nile, 1, exog=np.ones(99))
    with pytest.raises(DataError, match="inf at positions 3"):
        LocalLevel(np.r_[nile[:3], np.inf, nile[4:]])
    with pytest.raises(DataError, match="no observed values"):
        LocalLevel(np.full(10, np.nan))
    with pytest.raises(ConfigError, match="choose one of"):
        LocalLevel(nile, initialization="magic")
    with pytest.raises(ConfigError, match="singular"):
        LocalLevel(nile).smooth([0.0, 0.0]).loglike
    with pytest.raises(ConfigError, match="spectral radius"):
        StateSpace(nile, 1, phi=[[1.0]], psi=[[1.0]]).loglike([1.0, 1.0])
    with pytest.raises(DataError, match="pass exog"):
        StateSpace(nile, 1, exog=np.ones(100), phi=[[0.5]], psi=[[1.0]]).fit().forecast(2)
    with pytest.raises(ConfigError, match="EM cannot estimate gamma"):
        StateSpace(nile, 1, exog=np.ones(100), psi=[[1.0]]).fit("em")
    with pytest.raises(ConfigError, match="non-diffuse start"):
        StateSpace(nile, 1, psi=[[1.0]], initialization="diffuse").fit("em")


def test_time_varying_matrices_match_statsmodels():
    rng = np.random.default_rng(11)
    n, k, p = 60, 3, 2
    phi = 0.5 * rng.normal(size=(n, k, k)) / np.sqrt(k)
    psi = rng.normal(size=(n, p, k))
    sigma_h = np.einsum("tij,tkj->tik", *(2 * [rng.normal(size=(n, k, k))])) / k + 0.1 * np.eye(k)
    sigma_obs = np.abs(rng.normal(size=(n, 1, 1))) * np.eye(p) + 0.2
    m = Matrices(phi=phi, psi=psi, sigma_h=sigma_h, sigma_obs=sigma_obs,
                 initial_state=np.ones(k), initial_cov=np.eye(k))
    y = rng.normal(size=(n, p))
    y[7, 0] = np.nan
    mod = MLEModel(y, k_states=k)
    # statsmodels' matrices at t map alpha_t to alpha_{t+1}: our Phi_{t+1}, Sigma_h,{t+1}
    trans, cov_h = np.roll(phi, -1, axis=0), np.roll(sigma_h, -1, axis=0)
    mod["design"], mod["obs_cov"] = psi.transpose(1, 2, 0), sigma_obs.transpose(1, 2, 0)
    mod["transition"], mod["state_cov"] = trans.transpose(1, 2, 0), cov_h.transpose(1, 2, 0)
    mod["selection"] = np.eye(k)
    mod.ssm.initialize_known(np.ones(k), np.eye(k))
    ref = mod.ssm.smooth()
    ours = kalman_filter(y, m)
    np.testing.assert_allclose(ours.loglike, ref.llf_obs.sum(), rtol=1e-10)
    np.testing.assert_allclose(ours.filtered_state, ref.filtered_state.T, atol=1e-8)
    np.testing.assert_allclose(smooth(ours, m)[0], ref.smoothed_state.T, atol=1e-8)
    np.testing.assert_allclose(loglike(y, m), ours.loglike, rtol=1e-12)
