"""Token embeddings: one-hot, learned, or a pretrained matrix (GloVe / word2vec rows).

All map ids B×T to vectors B×T×E and expose ``embedding_dim``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from rnnlp.nn.locked_dropout import word_dropout


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
    """``nn.Embedding`` (learned or from a pretrained matrix) followed by dropout.

    ``word_dropout`` replaces each real token by ``<unk>`` with that probability in training, so
    the model learns to cope with unknown words.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, *, padding_idx: int = 0,
                 weights: np.ndarray | torch.Tensor | None = None, freeze: bool = False,
                 dropout: float = 0.0, word_dropout: float = 0.0, unk_id: int = 1):
        super().__init__()
        self.embed = nn.Embedding(num_embeddings, embedding_dim, padding_idx=padding_idx)
        if weights is not None:
            with torch.no_grad():
                self.embed.weight.copy_(torch.as_tensor(weights, dtype=torch.float32))
        self.embed.weight.requires_grad_(not freeze)
        self.drop = nn.Dropout(dropout)
        self.embedding_dim = embedding_dim
        self.word_dropout, self.unk_id, self.padding_idx = word_dropout, unk_id, padding_idx

    @property
    def weight(self) -> torch.Tensor:
        return self.embed.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if self.training and self.word_dropout:
            ids = word_dropout(ids, self.word_dropout, self.unk_id, mask=ids != self.padding_idx)
        return self.drop(self.embed(ids))  # B×T×E
