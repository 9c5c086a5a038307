"""``CTCRecognizer``: normalise -> frame projection (optionally strided) -> recurrent encoder ->
per-frame log-probabilities over the blank (0) and the output units."""

from __future__ import annotations

import torch
from torch import nn


class CTCRecognizer(nn.Module):
    """features B×T×M, lengths B -> (log_probs B×T'×(V+1), lengths' B), T' = T / stride.

    ``shift``/``scale`` (M each) hold the training set's per-band feature statistics: buffers,
    so a checkpoint normalises new audio exactly as training did."""

    def __init__(self, frames: nn.Module, encoder: nn.Module, num_labels: int, n_mels: int):
        super().__init__()
        self.frames, self.encoder = frames, encoder
        self.output = nn.Linear(encoder.output_size, num_labels + 1)
        self.register_buffer("shift", torch.zeros(n_mels))
        self.register_buffer("scale", torch.ones(n_mels))

    def forward(self, features: torch.Tensor, lengths: torch.Tensor):
        x, lengths = self.frames((features - self.shift) / self.scale, lengths)
        outputs, _ = self.encoder(x, lengths)
        return torch.log_softmax(self.output(outputs), dim=-1), lengths
