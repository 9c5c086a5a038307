"""Batched filtering, read_series, compare, and the no-torch import rule."""


import numpy as np
import pytest

from rnnlp.errors import ConfigError, DataError
from rnnlp.timeseries import Matrices, batch_filter, kalman_filter
from rnnlp.timeseries.compare import compare
from rnnlp.timeseries.io import read_series
from rnnlp.timeseries.simulate import random_model


def test_batch_equals_per_series_with_missing_patterns():
    m = random_model(0)
    rng = np.random.default_rng(1)
    y, x = rng.normal(size=(12, 80, 2)), rng.normal(size=(12, 80, 3))
    y[2, 5, 0] = np.nan
    y[4, 10:20] = np.nan
    y[6, 10:20] = np.nan  # same pattern as series 4: one group
    res = batch_filter(y, m, x, covariances=True)
    for i in range(12):
        ref = kalman_filter(y[i], m, x[i])
        np.testing.assert_allclose(res.loglike[i], ref.loglike, rtol=1e-12)
        np.testing.assert_allclose(res.filtered_state[i], ref.filtered_state, atol=1e-10)
        np.testing.assert_allclose(res.filtered_cov[i], ref.filtered_cov, atol=1e-12)


def test_batch_diffuse_local_level_and_shared_exog():
    m = Matrices(phi=np.eye(1), psi=np.eye(1), sigma_h=np.eye(1), sigma_obs=4 * np.eye(1),
                 diffuse_cov=np.eye(1), initial_cov=np.zeros((1, 1)))
    y = np.cumsum(np.random.default_rng(2).normal(size=(5, 40)), axis=1)
    res = batch_filter(y, m)
    for i in range(5):
        np.testing.assert_allclose(res.loglike[i], kalman_filter(y[i][:, None], m).loglike, rtol=1e-12)
    with pytest.raises(DataError, match="no x was given"):
        batch_filter(np.zeros((2, 10, 2)), random_model(1))
    with pytest.raises(DataError, match="x must be"):
        batch_filter(np.zeros((2, 10, 2)), random_model(1), np.zeros((9, 3)))


def test_read_series(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("date,value,other\n2020,1.5,x\n2021,,y\n2022,NA,z\n2023,4,w\n")
    np.testing.assert_array_equal(read_series(path, "value"), [1.5, np.nan, np.nan, 4.0])
    np.testing.assert_array_equal(read_series(path, 1), [1.5, np.nan, np.nan, 4.0])
    with pytest.raises(DataError, match="columns found: date, value, other"):
        read_series(path, "volume")
    with pytest.raises(DataError, match=r"s.csv:2: 'x' is not a number"):
        read_series(path, "other")
    with pytest.raises(DataError, match="not found"):
        read_series(tmp_path / "missing.csv", "value")


def test_compare_rows():
    rng = np.random.default_rng(3)
    x = np.zeros(200)
    for t in range(1, 200):
        x[t] = 0.7 * x[t - 1] + rng.normal()
    rows = compare(x + 10, horizon=10)
    assert [row["model"] for row in rows] == ["ar", "var", "kalman"]
    for row in rows:
        assert 0 <= row["coverage"] <= 1 and row["rmse"] >= row["mae"] > 0 and row["mase"] > 0
    # with one column the VAR is the AR with the same order
    assert rows[0]["order"] == rows[1]["order"]
    np.testing.assert_allclose(rows[0]["mae"], rows[1]["mae"], rtol=1e-8)
    two = compare(np.column_stack([x, np.roll(x, 1)])[1:], horizon=5, models=("var",))
    assert len(two) == 1 and two[0]["model"] == "var"
    with pytest.raises(ConfigError, match="choose one of"):
        compare(x, 5, models=("arima",))
    with pytest.raises(DataError, match="horizon"):
        compare(x[:12], 5)


@pytest.mark.parametrize("shape", [(1000, 4), (300, 5, 4), (20, 4)])
def test_linear_recursion_blocks_equal_the_loop(shape):
    from rnnlp.timeseries.steady import linear_recursion

    rng = np.random.default_rng(len(shape))
    a = rng.normal(size=(4, 4))
    a *= 0.97 / np.max(np.abs(np.linalg.eigvals(a)))
    u, s0 = rng.normal(size=shape), rng.normal(size=shape[1:])
    ref = np.empty((shape[0] + 1,) + shape[1:])
    ref[0] = s0
    for t in range(shape[0]):
        ref[t + 1] = ref[t] @ a.T + u[t]
    np.testing.assert_allclose(linear_recursion(a, u, s0), ref, atol=1e-12)


def test_batch_without_steady_state_keeps_the_exact_covariances():
    m = random_model(0)
    rng = np.random.default_rng(1)
    y, x = rng.normal(size=(3, 400, 2)), rng.normal(size=(400, 3))
    ref = kalman_filter(y[0], m, x)
    exact = batch_filter(y, m, x, covariances=True, steady=False)
    # the exact path repeats the filter's covariance recursion operation for operation
    np.testing.assert_array_equal(exact.filtered_cov[0], ref.filtered_cov)
    fast = batch_filter(y, m, x, covariances=True)
    assert np.abs(fast.filtered_cov[0] - ref.filtered_cov).max() > 0  # the switch was taken
    np.testing.assert_allclose(fast.loglike, exact.loglike, rtol=1e-12)
