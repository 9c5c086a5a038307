"""``MusicModel``: a recurrent network over piano-roll frames and a distribution of the next frame.

Frame t is predicted from frames 0..t-1: the network reads a learned start frame (a vector of
88 reals, initialised at zero) and then the piece shifted by one frame, and its state before
frame t sets the distribution of frame t (``rnnlp.nn.keys``: independent keys or NADE). The
first frame of a piece is therefore predicted from the start frame alone.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlp.nn.rnn import CELLS


class MusicModel(nn.Module):
    """rolls B×T×K (0/1 floats) -> contexts B×T×H; ``frame_nll`` gives B×T nats (0 at padding)."""

    def __init__(self, cell: str, keys: int, hidden_size: int, num_layers: int, output: nn.Module,
                 dropout: float = 0.0, input_dropout: float = 0.0):
        super().__init__()
        self.keys = keys
        self.start = nn.Parameter(torch.zeros(keys))
        self.rnn = CELLS[cell](keys, hidden_size, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.input_dropout, self.dropout = nn.Dropout(input_dropout), nn.Dropout(dropout)
        self.output = output

    def forward(self, rolls: torch.Tensor) -> torch.Tensor:
        """B×T×H contexts: position t has read the start frame and frames 0..t-1.

        Padding sits after each piece's end and the network is causal, so it never changes
        the contexts of real frames."""
        start = self.start.expand(rolls.size(0), 1, self.keys)
        inputs = torch.cat([start, rolls[:, :-1]], dim=1)            # B×T×K, shifted by one frame
        outputs, _ = self.rnn(self.input_dropout(inputs))
        return self.dropout(outputs)

    def frame_nll(self, rolls: torch.Tensor, lengths: torch.Tensor, context: torch.Tensor | None = None):
        """B×T negative log-likelihood of each frame (nats, summed over keys); 0 past each length.
        ``context``: ``self(rolls)`` when the caller has it already."""
        nll = -self.output.log_prob(self(rolls) if context is None else context, rolls)
        mask = torch.arange(rolls.size(1), device=rolls.device).unsqueeze(0) < lengths.to(rolls.device).unsqueeze(1)
        return nll * mask

    def prime(self, prompt: torch.Tensor | None, rows: int):
        """(context rows×H for the next frame, state) after reading the start frame and ``prompt``
        (T×K, or None for a piece from scratch)."""
        frames = self.start.expand(rows, 1, self.keys)
        if prompt is not None and len(prompt):
            frames = torch.cat([frames, prompt.unsqueeze(0).expand(rows, -1, -1)], dim=1)
        outputs, state = self.rnn(frames)
        return outputs[:, -1], state

    def step(self, frame: torch.Tensor, state):
        """Read one frame (rows×K): (context rows×H for the next frame, new state)."""
        outputs, state = self.rnn(frame.unsqueeze(1), state)
        return outputs[:, 0], state
