"""Token embeddings: one-hot, learned, or a pretrained matrix (GloVe / word2vec rows).

All map ids B×T to vectors B×T×E and expose ``embedding_dim``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class OneHotEmbedding(nn.Module):
    """The seed's scheme: each id becomes a V-dimensional indicator vector (no parameters)."""

    def __init__(self, num_embeddings: int, padding_idx: int | None = 0):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = num_embeddings
        self.padding_idx = padding_idx

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out = F.one_hot(ids, self.num_embeddings).float()  # B×T×V
        if self.padding_idx is not None:
            out[..., self.padding_idx] = 0.0  # padding carries no signal
        return out


class TokenEmbedding(nn.Module):
    """``nn.Embedding`` (learned or from a pretrained matrix) followed by dropout."""

    def __init__(self, num_embeddings: int, embedding_dim: int, *, padding_idx: int = 0,
                 weights: np.ndarray | torch.Tensor | None = None, freeze: bool = False,
                 dropout: float = 0.0):
        super().__init__()
        self.embed = nn.Embedding(num_embeddings, embedding_dim, padding_idx=padding_idx)
        if weights is not None:
            with torch.no_grad():
                self.embed.weight.copy_(torch.as_tensor(weights, dtype=torch.float32))
        self.embed.weight.requires_grad_(not freeze)
        self.drop = nn.Dropout(dropout)
        self.embedding_dim = embedding_dim

    @property
    def weight(self) -> torch.Tensor:
        return self.embed.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.drop(self.embed(ids))  # B×T×E
