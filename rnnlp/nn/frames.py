"""Frame projection: numeric frames B×T×C -> encoder inputs B×T'×D (linear, or 1-D convolutions)."""

from __future__ import annotations

import torch
from torch import nn

PROJECTIONS = ("linear", "conv")


class FrameProjection(nn.Module):
    """``linear``: one affine map per frame. ``conv``: ``layers`` 1-D convolutions + ReLU over
    time (``kernel`` frames, 'same' padding; the first one strided), so the RNN reads local
    shapes instead of single samples, and a stride shortens what it reads.

    ``forward(x B×T×C, lengths B) -> (B×T'×D, lengths')``; frames past a series' end are zeroed
    first, so padding never leaks into a shorter series' last frames."""

    def __init__(self, channels: int, size: int, projection: str = "linear", kernel: int = 5,
                 stride: int = 1, layers: int = 1, dropout: float = 0.0):
        super().__init__()
        if projection not in PROJECTIONS:
            from rnnlp.errors import choice_error
            raise choice_error("frame projection", projection, PROJECTIONS)
        self.projection, self.stride = projection, stride if projection == "conv" else 1
        self.kernel = kernel
        if projection == "linear":
            self.net = nn.Linear(channels, size)
        else:
            convs = []
            for i in range(layers):
                convs += [nn.Conv1d(channels if i == 0 else size, size, kernel, stride=stride if i == 0 else 1,
                                    padding=kernel // 2), nn.ReLU()]
            self.net = nn.Sequential(*convs)
        self.drop = nn.Dropout(dropout)
        self.output_size = size

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        if self.projection == "linear":
            return self.drop(self.net(x)), lengths
        mask = torch.arange(x.size(1), device=x.device).unsqueeze(0) < lengths.to(x.device).unsqueeze(1)
        y = self.net((x * mask.unsqueeze(-1).to(x.dtype)).transpose(1, 2)).transpose(1, 2)
        if self.stride > 1:
            lengths = torch.div(lengths + self.stride - 1, self.stride, rounding_mode="floor").clamp(max=y.size(1))
        return self.drop(y), lengths
