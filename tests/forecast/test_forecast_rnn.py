"""RNN forecasters: they learn a sine, forecasts have the Forecast shapes, intervals grow as
sqrt(h), recursion carries the state exactly, same seed -> same numbers, user errors are clean."""

import numpy as np
import pytest
import torch

from rnnlp.errors import ConfigError, DataError
from rnnlp.forecast.rnn import RNNForecaster, WindowBatch, compare_forecaster, windows
from rnnlp.forecast.model import Forecaster
from rnnlp.timeseries.compare import compare

SINE = np.sin(2 * np.pi * np.arange(96) / 12)  # period 12, noiseless
TINY = dict(window=8, hidden_size=8, epochs=3, batch_size=16, threads=1)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_learns_a_noiseless_sine(cell):
    res = RNNForecaster(SINE[:-12], cell=cell, window=12, hidden_size=16, epochs=60, lr=2e-2,
                        batch_size=16, seed=0, threads=1).fit()
    fc = res.forecast(12)
    mae = np.mean(np.abs(fc.mean - SINE[-12:]))
    assert mae < 0.1, mae                     # amplitude 1; predicting the mean gives ~0.64
    assert res.resid_std[0] < 0.05
    assert res.history[-1] < res.history[0] / 5


def test_forecast_shapes_and_intervals_growing_with_horizon():
    fc = RNNForecaster(SINE, **TINY).fit().forecast(7, alpha=0.1)
    assert fc.mean.shape == fc.lower.shape == fc.upper.shape == fc.cov.shape == (7,)
    assert fc.alpha == 0.1 and np.all(fc.lower < fc.mean) and np.all(fc.mean < fc.upper)
    width = fc.upper - fc.lower
    np.testing.assert_allclose(width / width[0], np.sqrt(np.arange(1, 8)), rtol=1e-10)
    two = np.column_stack([SINE, 2 * np.cos(2 * np.pi * np.arange(96) / 12) + 5])
    res = RNNForecaster(two, cell="gru", **TINY).fit()
    fc2 = res.forecast(4)
    assert fc2.mean.shape == fc2.lower.shape == (4, 2) and fc2.cov.shape == (4, 2, 2)
    assert res.fitted.shape == (96 - 8, 2) and res.resid_std.shape == (2,)
    assert np.all(np.diff(fc2.upper - fc2.lower, axis=0) > 0)
    assert "GRU" in res.summary() and str(res.num_params) in res.summary()


def test_same_seed_same_numbers_and_caller_rng_untouched():
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    a = RNNForecaster(SINE, seed=7, **TINY).fit()
    after = torch.rand(3)
    b = RNNForecaster(SINE, seed=7, **TINY).fit()
    c = RNNForecaster(SINE, seed=8, **TINY).fit()
    assert torch.equal(before, after)
    np.testing.assert_array_equal(a.forecast(5).mean, b.forecast(5).mean)
    assert a.history == b.history
    assert not np.allclose(a.forecast(5).mean, c.forecast(5).mean)


def test_threads_option_is_restored():
    previous = torch.get_num_threads()
    RNNForecaster(SINE, **{**TINY, "threads": 1}).fit().forecast(2)
    assert torch.get_num_threads() == previous


def test_many_to_one_puts_the_loss_on_the_last_step_only():
    model = RNNForecaster(SINE, mode="many_to_one", **TINY)
    torch.manual_seed(0)
    net = Forecaster(1, 8)
    inputs, targets = windows(torch.as_tensor(SINE[:, None], dtype=torch.float32), 8)
    targets_changed = targets.clone()
    targets_changed[:, :-1] += 10.0  # only earlier steps differ
    loss, _ = model._loss(net, WindowBatch(inputs, targets))
    assert torch.equal(loss, model._loss(net, WindowBatch(inputs, targets_changed))[0])
    many, _ = RNNForecaster(SINE, **TINY)._loss(net, WindowBatch(inputs, targets_changed))
    assert many > loss + 1
    assert model.fit().forecast(3).mean.shape == (3,)


def test_windows_and_batch_contract():
    z = torch.arange(10.0)[:, None]
    inputs, targets = windows(z, 4)
    assert inputs.shape == targets.shape == (6, 4, 1)
    assert inputs[2, :, 0].tolist() == [2, 3, 4, 5] and targets[2, :, 0].tolist() == [3, 4, 5, 6]
    batch = WindowBatch(inputs, targets).to("cpu")
    assert batch.num_tokens == 24


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_recursive_forecast_carries_the_state(cell):
    torch.manual_seed(0)
    net = Forecaster(2, 6, num_layers=2, cell=cell).eval()
    seq = torch.randn(3, 5, 2)
    fast = net.forecast(seq, 4)
    with torch.no_grad():  # slow reference: re-run the whole prefix for every step
        for _ in range(4):
            seq = torch.cat([seq, net(seq)[0][:, -1:]], dim=1)
    torch.testing.assert_close(fast, seq[:, -4:], rtol=1e-5, atol=1e-6)


def test_user_errors():
    with pytest.raises(DataError, match="NaN"):
        RNNForecaster(np.r_[SINE, np.nan])
    with pytest.raises(DataError, match="inf"):
        RNNForecaster(np.r_[SINE, np.inf])
    with pytest.raises(DataError, match="needs at least 34"):
        RNNForecaster(SINE[:30], window=24)
    with pytest.raises(ConfigError, match="choose one of: lstm, gru"):
        RNNForecaster(SINE, cell="rnn")
    with pytest.raises(ConfigError, match="window"):
        RNNForecaster(SINE, window=0)
    with pytest.raises(ConfigError, match="threads must be a positive integer"):
        RNNForecaster(SINE, threads=0)
    with pytest.raises(ConfigError, match="steps"):
        RNNForecaster(SINE, **TINY).fit().forecast(0)


def test_compare_hook_adds_the_rnns():
    rng = np.random.default_rng(0)
    series = SINE * 3 + rng.normal(scale=0.3, size=96)
    extra = {"gru": compare_forecaster("gru", **TINY)}
    rows = compare(series, 10, models=("ar", "gru"), extra=extra, keep_forecasts=True)
    assert [row["model"] for row in rows] == ["ar", "gru"]
    assert rows[1]["mean"].shape == (10, 1) and 0 <= rows[1]["coverage"] <= 1 and rows[1]["mae"] > 0
    with pytest.raises(ConfigError, match="choose one of: ar, var, kalman, gru"):
        compare(series, 10, models=("lstm",), extra=extra)


def test_the_forecaster_trains_through_the_drivers_run_fit(monkeypatch):
    """One training path: the forecaster's optimizer and schedule come from its TrainConfig through
    ``rnnlp.tasks.driver.run_fit``, as every task's do."""
    from rnnlp.tasks import driver

    seen, real = [], driver.run_fit
    monkeypatch.setattr(driver, "run_fit", lambda prep, *a, **k: seen.append(prep) or real(prep, *a, **k))
    res = RNNForecaster(np.sin(np.arange(60) / 3), window=8, hidden_size=4, epochs=3, seed=1).fit()
    assert len(seen) == 1 and len(res.history) == 3
    train = seen[0].config.train
    assert (train.optimizer, train.schedule, train.lr, train.clip_norm, train.epochs, train.seed) == \
        ("adam", "cosine", 5e-3, 1.0, 3, 1)


def test_from_config_is_the_keyword_forecaster():
    from dataclasses import replace

    from rnnlp.config.forecast import ForecastConfig, ForecastModelConfig

    y = np.sin(np.arange(70) / 4)
    cfg = ForecastConfig(ForecastModelConfig(window=6, hidden_size=5), replace(ForecastConfig().train, epochs=2, seed=3))
    a = RNNForecaster.from_config(y, "gru", cfg).fit().forecast(4).mean
    b = RNNForecaster(y, cell="gru", window=6, hidden_size=5, epochs=2, seed=3).fit().forecast(4).mean
    np.testing.assert_array_equal(a, b)
