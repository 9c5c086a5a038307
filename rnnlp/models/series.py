"""``SeriesClassifier``: normalise -> frame projection -> recurrent encoder -> pooled head."""

from __future__ import annotations

import torch
from torch import nn


class SeriesClassifier(nn.Module):
    """values B×T×C, lengths B -> logits B×K (K = 1 for a binary sigmoid output).

    ``shift`` and ``scale`` (C each) hold the training set's per-channel statistics (or 0 and 1):
    buffers, so a checkpoint carries them and ``predict`` normalises as training did."""

    def __init__(self, frames: nn.Module, encoder: nn.Module, head: nn.Module, channels: int):
        super().__init__()
        self.frames, self.encoder, self.head = frames, encoder, head
        self.register_buffer("shift", torch.zeros(channels))
        self.register_buffer("scale", torch.ones(channels))

    @property
    def channels(self) -> int:
        return self.shift.numel()

    def forward(self, values: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x, lengths = self.frames((values - self.shift) / self.scale, lengths)
        mask = torch.arange(x.size(1), device=x.device).unsqueeze(0) < lengths.to(x.device).unsqueeze(1)
        outputs, final = self.encoder(x, lengths)
        return self.head(outputs, mask, final)
