"""VAR against statsmodels on macrodata log-differences (realgdp, realcons, realinv)."""

import numpy as np
import pytest

from rnnlp.errors import ConfigError, DataError
from rnnlp.timeseries import VAR, select_var_order

sm = pytest.importorskip("statsmodels.api")
from statsmodels.tsa.api import VAR as SMVAR  # noqa: E402


@pytest.fixture(scope="module")
def macro():
    data = sm.datasets.macrodata.load_pandas().data[["realgdp", "realcons", "realinv"]].to_numpy()
    return np.diff(np.log(data), axis=0)


@pytest.mark.parametrize("trend", ["c", "ct", "n"])
def test_var2_matches_statsmodels(macro, trend):
    ours, ref = VAR(macro, trend).fit(2), SMVAR(macro).fit(2, trend=trend)
    np.testing.assert_allclose(ours.params, ref.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.coefs, ref.coefs, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.sigma_u, ref.sigma_u, rtol=1e-8)
    np.testing.assert_allclose(ours.resid, ref.resid, atol=1e-12)
    np.testing.assert_allclose(ours.loglike, ref.llf, rtol=1e-10)
    for name in ("aic", "bic", "hqic"):
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-10)
    assert ours.is_stable() is True and bool(ref.is_stable()) is True


def test_forecast_and_intervals_match(macro):
    ours, ref = VAR(macro).fit(2), SMVAR(macro).fit(2)
    fc = ours.forecast(8, alpha=0.1)
    mean, lower, upper = ref.forecast_interval(macro[-2:], 8, alpha=0.1)
    np.testing.assert_allclose(fc.mean, mean, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(fc.lower, lower, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(fc.upper, upper, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(fc.cov, ref.forecast_cov(8), rtol=1e-8, atol=1e-15)


def test_impulse_responses_match(macro):
    ours, ref = VAR(macro).fit(2), SMVAR(macro).fit(2)
    irf = ref.irf(10)
    np.testing.assert_allclose(ours.irf(10), irf.irfs, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.irf(10, orthogonalized=True), irf.orth_irfs, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(np.sort(np.abs(ours.roots)), np.sort(1 / np.abs(ref.roots)), rtol=1e-8)


@pytest.mark.parametrize("trend", ["c", "n"])
def test_order_selection_matches(macro, trend):
    ref = SMVAR(macro).select_order(8, trend=trend)
    ours = select_var_order(macro, 8, trend)
    for name in ("aic", "bic", "hqic"):
        assert ours[name].order == ref.selected_orders[name]
        np.testing.assert_allclose(list(ours[name].values.values()), ref.ics[name], rtol=1e-10)


def test_summary_and_unstable():
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(size=(300, 2)), axis=0) * np.array([1.0, 1.0])
    walk[:, 1] += np.arange(300.0) ** 1.5 / 50
    res = VAR(walk).fit(1)
    assert "VAR(1)" in res.summary() and "Sigma_u" in res.summary()
    explosive = np.empty((60, 1))
    explosive[0] = 1.0
    for t in range(1, 60):
        explosive[t] = 1.1 * explosive[t - 1] + 0.01 * rng.normal()
    assert not VAR(explosive, "n").fit(1).is_stable()


def test_bad_input(macro):
    bad = macro.copy()
    bad[3, 1] = np.nan
    with pytest.raises(DataError, match=r"NaN at positions \(3, 1\)"):
        VAR(bad)
    with pytest.raises(DataError, match="at least"):
        VAR(macro[:8]).fit(3)
    with pytest.raises(DataError, match="2 dimensions"):
        VAR(macro[:, 0])
    with pytest.raises(ConfigError, match="choose one of"):
        VAR(macro, trend="ctt")
    with pytest.raises(ConfigError, match="positive integer"):
        VAR(macro).fit(1).forecast(0)
    collinear = np.column_stack([macro[:, 0], macro[:, 1], macro[:, 0] + macro[:, 1]])
    with pytest.raises(DataError, match="Sigma_u is singular"):
        VAR(collinear).fit(1).irf(5, orthogonalized=True)
