"""RNN forecasters with the classical models' interface (torch lives here, never in rnnlp.timeseries).

    from rnnlp.forecast.rnn import RNNForecaster
    res = RNNForecaster(y, cell="gru", window=24, epochs=150, seed=0).fit()
    fc = res.forecast(12)            # rnnlp.timeseries.Forecast: mean, cov, lower, upper
    print(res.summary())

How it works:

- The series ((n,) or (n, k), modelled jointly) is standardised with the mean and standard
  deviation of the data it is fitted on.
- Training examples are all windows of ``window`` consecutive values; the target of each is
  the window shifted by one. ``mode="many_to_many"`` puts the loss (MSE) on the prediction at
  every step, ``"many_to_one"`` only on the last (window -> next value).
- Training runs through the tasks' driver (``rnnlp.tasks.driver.run_fit``: the optimizer and
  step-only schedule of a ``TrainConfig``, then ``fit``; here Adam, cosine LR decay, gradient
  clipping), evaluating the in-sample loss once per epoch and keeping the weights of the best
  epoch in memory (nothing is written). ``RNNForecaster.from_config`` takes a
  ``rnnlp.config.forecast.ForecastConfig``, which ``rnnlp forecast`` builds from its overrides.
- Forecasts are recursive: the network reads the last ``window`` values, then each
  prediction is fed back as the next input with the state carried over.
- Prediction intervals are a documented simple scheme, not a model of the RNN's dynamics:
  sigma is the root mean square of the in-sample one-step residuals (the last step of every
  window, in the series' units), and the h-step interval is ``mean ± z_{1-alpha/2} sigma
  sqrt(h)``. In-sample residuals of a flexible model are optimistic and parameter
  uncertainty is ignored, so expect under-coverage on short series.
- Same seed, same thread count -> the same numbers (the caller's torch RNG is left untouched).
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from rnnlp.config.forecast import ForecastConfig, ForecastModelConfig
from rnnlp.data.batching import Tensors
from rnnlp.errors import ConfigError, DataError
from rnnlp.forecast.model import FORECAST_CELLS, Forecaster
from rnnlp.timeseries import Forecast
from rnnlp.timeseries._checks import as_array, check_choice
from rnnlp.timeseries._report import check_steps, make_forecast
from rnnlp.training.distributed import torch_threads

MODES = ("many_to_many", "many_to_one")
MIN_WINDOWS = 10  # training windows a series must give at least


@dataclass
class WindowBatch(Tensors):
    """Windows of a standardised series, in the batch contract ``fit`` expects."""

    inputs: torch.Tensor   # B×W×k: y_t .. y_{t+W-1}
    targets: torch.Tensor  # B×W×k: y_{t+1} .. y_{t+W}

    @property
    def num_tokens(self) -> int:
        return self.targets.shape[0] * self.targets.shape[1]


class RNNForecaster:
    """An LSTM/GRU next-value model of a real-valued series; ``fit()`` -> RNNForecasterResults.

    Args:
        series: (n,) or (n, k) finite values (k series are modelled jointly).
        cell: "lstm" | "gru".
        window: values the network reads per training example and before forecasting.
        hidden_size, num_layers, dropout: the recurrent network's size.
        mode: "many_to_many" (loss at every step) | "many_to_one" (loss at the last step).
        epochs, batch_size, lr, weight_decay, clip_norm: training (Adam, cosine LR decay).
        seed: seeds the initial weights and the batch order.
        threads: torch intra-op threads while fitting (None: leave torch's setting).

    Raises DataError for NaN/inf or a series with fewer than ``window + 10`` values, and
    ConfigError for an unknown cell or mode or a non-positive size.
    """

    def __init__(self, series, cell: str = "lstm", window: int = 24, hidden_size: int = 32,
                 num_layers: int = 1, mode: str = "many_to_many", epochs: int = 150,
                 batch_size: int = 32, lr: float = 5e-3, weight_decay: float = 0.0,
                 clip_norm: float | None = 1.0, dropout: float = 0.0, seed: int = 0,
                 threads: int | None = None):
        self.data = as_array(series, "series", (1, 2))
        check_choice("cell", cell, FORECAST_CELLS)
        check_choice("mode", mode, MODES)
        for name, value in (("window", window), ("hidden_size", hidden_size), ("num_layers", num_layers),
                            ("epochs", epochs), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise ConfigError(f"threads must be a positive integer or None, got {threads!r}")
        if len(self.data) < window + MIN_WINDOWS:
            raise DataError(f"series has {len(self.data)} observations but an RNN forecaster with "
                            f"window={window} needs at least {window + MIN_WINDOWS} (use a smaller window)")
        self.cell, self.window, self.hidden_size, self.num_layers = cell, int(window), hidden_size, num_layers
        self.mode, self.epochs, self.batch_size, self.lr = mode, epochs, batch_size, lr
        self.weight_decay, self.clip_norm, self.dropout = weight_decay, clip_norm, dropout
        self.seed, self.threads = seed, threads
        defaults = ForecastConfig().train
        self.config = ForecastConfig(
            ForecastModelConfig(self.window, hidden_size, num_layers, dropout, mode),
            dataclasses.replace(defaults, epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                                clip_norm=clip_norm, seed=seed, threads=threads))

    @classmethod
    def from_config(cls, series, cell: str, config: ForecastConfig) -> "RNNForecaster":
        """The forecaster a ``ForecastConfig`` describes (``rnnlp forecast`` builds one from its
        ``model.*``/``train.*`` overrides); its train section trains as given."""
        m, t = config.model, config.train
        model = cls(series, cell=cell, window=m.window, hidden_size=m.hidden_size, num_layers=m.num_layers,
                    mode=m.mode, epochs=t.epochs, batch_size=t.batch_size, lr=t.lr, weight_decay=t.weight_decay,
                    clip_norm=t.clip_norm, dropout=m.dropout, seed=t.seed, threads=t.threads)
        model.config = config
        return model

    def fit(self) -> "RNNForecasterResults":
        """Standardise, train, and measure the one-step in-sample residuals."""
        y = self.data.reshape(len(self.data), -1)  # n×k
        center, scale = y.mean(axis=0), y.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)  # a constant column stays as it is
        z = torch.as_tensor((y - center) / scale, dtype=torch.float32)
        inputs, targets = windows(z, self.window)
        with torch_threads(self.threads), torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            module = Forecaster(y.shape[1], self.hidden_size, self.num_layers, self.cell, self.dropout)
            history = self._train(module, inputs, targets)
            module.eval()
            with torch.no_grad():
                fitted = module(inputs)[0][:, -1].double().numpy() * scale + center  # (n-W)×k
        resid = y[self.window:] - fitted
        return RNNForecasterResults(self, module, center, scale, z[-self.window:], fitted,
                                    np.sqrt(np.mean(resid ** 2, axis=0)), history)

    def _train(self, module: Forecaster, inputs: torch.Tensor, targets: torch.Tensor) -> list[float]:
        """The driver's ``run_fit`` over shuffled windows; keeps the best epoch's weights."""
        from rnnlp.tasks.driver import run_fit
        from rnnlp.tasks.protocol import Prepared

        best: dict = {}

        def save(kind, metrics, state):
            if kind == "best":
                best["weights"] = copy.deepcopy(module.state_dict())

        prep = Prepared(config=self.config, model=module, loss=self._loss,
                        batches=lambda epoch: self._batches(inputs, targets, epoch),
                        steps_per_epoch=-(-len(inputs) // self.batch_size),
                        evaluate=lambda model: {"loss": self._loss(model, WindowBatch(inputs, targets))[0].item()},
                        metric="-loss", facts=f"{len(inputs)} windows")
        result = run_fit(prep, save)
        module.load_state_dict(best["weights"])
        return [row["loss"] for row in result.history]

    def _batches(self, inputs, targets, epoch: int):
        order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(self.seed * 100003 + epoch))
        for start in range(0, len(order), self.batch_size):
            index = order[start:start + self.batch_size]
            yield WindowBatch(inputs[index], targets[index])

    def _loss(self, model, batch: WindowBatch):
        pred, _ = model(batch.inputs)
        steps = slice(-1, None) if self.mode == "many_to_one" else slice(None)
        return F.mse_loss(pred[:, steps], batch.targets[:, steps]), {}


def windows(z: torch.Tensor, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All (n - window) windows of the n×k ``z`` and their one-step-shifted targets, N×W×k each."""
    frames = z.unfold(0, window + 1, 1).permute(0, 2, 1)  # N×(W+1)×k
    return frames[:, :-1].contiguous(), frames[:, 1:].contiguous()


@dataclass(frozen=True)
class RNNForecasterResults:
    """A fitted RNN forecaster.

    ``center``/``scale`` (k,) standardise the series; ``context`` (W×k, standardised) is what
    the network reads before forecasting; ``fitted`` ((n - W)×k) are the in-sample one-step
    predictions of y[W:]; ``resid_std`` (k,) their residuals' root mean square; ``history``
    the in-sample loss (standardised MSE) after each epoch.
    """

    model: RNNForecaster
    module: Forecaster
    center: np.ndarray
    scale: np.ndarray
    context: torch.Tensor
    fitted: np.ndarray
    resid_std: np.ndarray
    history: list = field(default_factory=list)

    @property
    def num_params(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    def forecast(self, steps: int, alpha: float = 0.05) -> Forecast:
        """Recursive ``steps``-ahead forecasts with ``1 - alpha`` intervals (scheme: module doc).

        ``mean``/``lower``/``upper`` are (steps,) for a 1-d series, else (steps, k).
        """
        steps = check_steps(steps)
        with torch_threads(self.model.threads):
            z = self.module.forecast(self.context[None], steps)[0].double().numpy()  # steps×k
        mean = z * self.scale + self.center
        var = self.resid_std ** 2 * np.arange(1, steps + 1)[:, None]  # steps×k, grows with h
        if self.model.data.ndim == 1:
            return make_forecast(mean[:, 0], var[:, 0], alpha)
        return make_forecast(mean, var[:, :, None] * np.eye(mean.shape[1]), alpha)

    def summary(self) -> str:
        m = self.model
        lines = [f"RNN forecaster ({m.cell.upper()}, {m.mode.replace('_', '-')})",
                 f"observations      {len(m.data)}",
                 f"window            {m.window}",
                 f"hidden_size       {m.hidden_size} x {m.num_layers} layer(s), {self.num_params} parameters",
                 f"epochs            {m.epochs} (best in-sample loss {min(self.history):.4g})",
                 f"seed              {m.seed}",
                 "residual std      " + ", ".join(f"{s:.6g}" for s in self.resid_std)]
        return "\n".join(lines)


def compare_forecaster(cell: str, config: ForecastConfig | None = None, **options):
    """An ``extra`` forecaster for ``rnnlp.timeseries.compare.compare``/``forecast``: a
    ``ForecastConfig``, or ``RNNForecaster``'s keyword arguments."""
    def run(train: np.ndarray, horizon: int, max_order: int, alpha: float):
        model = RNNForecaster.from_config(train, cell, config) if config else RNNForecaster(train, cell=cell, **options)
        fc = model.fit().forecast(horizon, alpha)
        return fc.mean, fc.lower, fc.upper, []
    return run
