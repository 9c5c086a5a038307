"""AR: OLS, Yule-Walker, MLE and order selection against statsmodels on the sunspots data."""

import warnings

import numpy as np
import pytest

from rnnlp.errors import ConfigError, DataError
from rnnlp.timeseries import AR, select_ar_order

sm = pytest.importorskip("statsmodels.api")
from statsmodels.regression.linear_model import yule_walker as sm_yule_walker  # noqa: E402
from statsmodels.tsa.ar_model import AutoReg, ar_select_order  # noqa: E402


@pytest.fixture(scope="module")
def sunspots():
    return sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()


@pytest.mark.parametrize("order", [1, 2, 4, 9])
@pytest.mark.parametrize("trend", ["n", "c", "t", "ct"])
def test_ols_matches_autoreg(sunspots, order, trend):
    ours = AR(sunspots, order, trend).fit()
    ref = AutoReg(sunspots, order, trend=trend).fit()
    np.testing.assert_allclose(ours.params, ref.params, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(ours.sigma2, ref.sigma2, rtol=1e-10)
    for name in ("loglike", "aic", "bic", "hqic"):
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, "llf" if name == "loglike" else name), rtol=1e-10)
    np.testing.assert_allclose(ours.resid, ref.resid, atol=1e-8)
    np.testing.assert_allclose(ours.bse, ref.bse, rtol=1e-8)


@pytest.mark.parametrize("trend", ["n", "c", "ct"])
def test_forecast_matches_autoreg(sunspots, trend):
    ours = AR(sunspots, 3, trend).fit().forecast(12, alpha=0.1)
    pred = AutoReg(sunspots, 3, trend=trend).fit().get_prediction(len(sunspots), len(sunspots) + 11)
    np.testing.assert_allclose(ours.mean, pred.predicted_mean, rtol=1e-9)
    np.testing.assert_allclose(ours.cov, pred.var_pred_mean, rtol=1e-9)
    ci = pred.conf_int(alpha=0.1)
    np.testing.assert_allclose(ours.lower, ci[:, 0], rtol=1e-9)
    np.testing.assert_allclose(ours.upper, ci[:, 1], rtol=1e-9)


@pytest.mark.parametrize("order", [1, 4, 9])
@pytest.mark.parametrize("method", ["adjusted", "mle"])
def test_yule_walker_matches_statsmodels(sunspots, order, method):
    rho, sigma = sm_yule_walker(sunspots, order, method=method, result_object=False)
    res = AR(sunspots, order, "c").fit("yule_walker", yw_method=method)
    np.testing.assert_allclose(res.ar, rho, rtol=1e-10)
    np.testing.assert_allclose(res.sigma2, sigma ** 2, rtol=1e-10)
    np.testing.assert_allclose(res.params[0], sunspots.mean() * (1 - rho.sum()), rtol=1e-10)


@pytest.mark.parametrize("criterion", ["aic", "bic", "hqic"])
@pytest.mark.parametrize("trend", ["n", "c"])
def test_order_selection_matches_statsmodels(sunspots, criterion, trend):
    ref = ar_select_order(sunspots, 13, ic=criterion, trend=trend)
    ours = select_ar_order(sunspots, 13, criterion, trend)
    assert ours.order == max(ref.ar_lags)
    # the criteria themselves agree with statsmodels' on the common sample
    # (up to a constant: statsmodels does not count the constant when selecting)
    ref_values = {(max(lags) if lags else 0): getattr(ic, criterion) for lags, ic in ref._ics}
    for p, value in ours.values.items():
        np.testing.assert_allclose(value - ours.values[0], ref_values[p] - ref_values[0], rtol=1e-9, atol=1e-8)


def test_cv_selection_finds_true_order():
    rng = np.random.default_rng(0)
    e = rng.normal(size=600)
    x = np.zeros(600)
    for t in range(2, 600):
        x[t] = 0.5 * x[t - 1] - 0.4 * x[t - 2] + e[t]
    sel = select_ar_order(x, 6, "cv", folds=40)
    assert sel.order in (2, 3) and sel.values[0] > sel.values[2] and sel.values[1] > sel.values[2]


def test_mle_exact_loglike_matches_arima(sunspots):
    res = AR(sunspots, 2, "c").fit("mle")
    arima = sm.tsa.ARIMA(sunspots, order=(2, 0, 0), trend="c")
    mean = res.params[0] / (1 - res.ar.sum())
    ref_llf = arima.loglike(np.r_[mean, res.ar, res.sigma2])
    np.testing.assert_allclose(res.loglike, ref_llf, rtol=1e-10)
    # a maximum of statsmodels' exact likelihood too: every small move lowers it
    best = np.r_[mean, res.ar, res.sigma2]
    for i, step in enumerate([0.05, 1e-3, 1e-3, 0.5]):
        for sign in (-1, 1):
            moved = best.copy()
            moved[i] += sign * step
            assert arima.loglike(moved) < ref_llf


def test_mle_zero_mean_and_forecast_shapes(sunspots):
    res = AR(sunspots - sunspots.mean(), 1, "n").fit("mle")
    assert 0.7 < res.ar[0] < 0.9
    fc = res.forecast(5)
    assert fc.mean.shape == (5,) and np.all(np.diff(fc.cov) > 0) and np.all(fc.lower < fc.upper)
    assert "AR(1)" in res.summary() and "ar.L1" in res.summary()


def test_nan_and_inf_named(sunspots):
    bad = sunspots.copy()
    bad[[5, 17]] = np.nan
    with pytest.raises(DataError, match="NaN at positions 5, 17"):
        AR(bad, 2)
    bad[5] = np.inf
    with pytest.raises(DataError, match="inf at positions 5"):
        AR(bad, 2)


def test_short_series_and_bad_options():
    with pytest.raises(DataError, match="at least 5"):
        AR([1.0, 2.0, 3.0, 4.0], 3, "c")
    with pytest.raises(ConfigError, match="choose one of"):
        AR(np.arange(10.0), 1, trend="x")
    with pytest.raises(ConfigError, match="choose one of"):
        AR(np.arange(10.0), 1).fit("nope")
    with pytest.raises(ConfigError, match="non-negative integer"):
        AR(np.arange(10.0), -1)
    with pytest.raises(ConfigError, match="use method='ols'"):
        AR(np.arange(10.0), 1, "ct").fit("yule_walker")


def test_nonstationary_yule_walker_warns():
    # the n - k divisors of "adjusted" can give a non-positive-definite autocovariance
    with pytest.warns(RuntimeWarning, match="not stationary"):
        AR(np.arange(5.0), 3, "c").fit("yule_walker")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AR(np.arange(5.0), 3, "c").fit("yule_walker", yw_method="mle")  # always stationary
