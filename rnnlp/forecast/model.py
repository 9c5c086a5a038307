"""``Forecaster``: an LSTM/GRU that reads a real-valued series and predicts its next value.

At every step t the recurrent state h_t (top layer) is mapped to a prediction of y_{t+1}:

    h_t = RNN(y_t, h_{t-1});   yhat_{t+1} = V h_t + c

so one call gives a prediction at every position (many-to-many training uses them all; a
many-to-one model trains on the last). Forecasting several steps ahead is recursive: the
prediction is fed back as the next input and the state is carried, never re-running the prefix.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlp.nn.rnn import CELLS

FORECAST_CELLS = ("lstm", "gru")


class Forecaster(nn.Module):
    """Next-value predictor for ``input_size`` series modelled jointly.

    Args:
        input_size: series per time step (k).
        hidden_size, num_layers, dropout: as in ``nn.LSTM``.
        cell: "lstm" | "gru".

    ``forward(y B×T×k, state=None) -> (pred B×T×k, state)``: ``pred[:, t]`` predicts y at t+1;
    ``state`` is the recurrent state after the last step (pass it back to continue).
    """

    def __init__(self, input_size: int, hidden_size: int = 32, num_layers: int = 1,
                 cell: str = "lstm", dropout: float = 0.0):
        super().__init__()
        if cell not in FORECAST_CELLS:
            from rnnlp.errors import choice_error
            raise choice_error("cell", cell, FORECAST_CELLS)
        self.cell = cell
        self.rnn = CELLS[cell](input_size, hidden_size, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.out = nn.Linear(hidden_size, input_size)  # V, c

    def forward(self, y: torch.Tensor, state=None):
        hidden, state = self.rnn(y, state)  # B×T×H
        return self.out(hidden), state

    @torch.no_grad()
    def forecast(self, context: torch.Tensor, steps: int) -> torch.Tensor:
        """Recursive forecasts B×steps×k after reading the B×T×k ``context``."""
        pred, state = self(context)
        step = pred[:, -1:]  # B×1×k: the one-step-ahead prediction
        out = [step]
        for _ in range(steps - 1):
            step, state = self(step, state)
            out.append(step)
        return torch.cat(out, dim=1)
