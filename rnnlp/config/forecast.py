"""Config of the RNN forecaster (``rnnlp.forecast.rnn``, ``rnnlp forecast --model lstm|gru``).

The network's size lives in ``model``; training in ``train``, the same ``TrainConfig`` every
task trains with (here Adam with cosine decay to zero over the run, clipping at 1): on the
command line both are set as overrides, ``rnnlp forecast ... train.epochs=50 model.window=12``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rnnlp.config.bounds import positive
from rnnlp.config.components import TrainConfig


@dataclass
class ForecastModelConfig:
    window: int = positive(24)           # values the network reads per training example and before forecasting
    hidden_size: int = positive(32)
    num_layers: int = positive(1)
    dropout: float = 0.0                 # between layers
    mode: Literal["many_to_many", "many_to_one"] = "many_to_many"  # the loss at every step, or at the last


def _train() -> TrainConfig:
    return TrainConfig(epochs=150, batch_size=32, optimizer="adam", lr=5e-3, schedule="cosine", clip_norm=1.0,
                       progress=False)


@dataclass
class ForecastConfig:
    model: ForecastModelConfig = field(default_factory=ForecastModelConfig)
    train: TrainConfig = field(default_factory=_train)
