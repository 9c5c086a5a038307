"""``SequenceClassifier``: embedding -> recurrent encoder -> pooled head (many-to-one)."""

from __future__ import annotations

import torch
from torch import nn


class SequenceClassifier(nn.Module):
    """ids B×T, lengths B, mask B×T -> logits B×C (C = 1 for binary sigmoid output)."""

    def __init__(self, embedding: nn.Module, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.embedding, self.encoder, self.head = embedding, encoder, head

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids)                       # B×T×E
        outputs, final = self.encoder(x, lengths)     # B×T×H·dirs, B×H·dirs
        return self.head(outputs, mask, final)        # B×C
