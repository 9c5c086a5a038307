"""Output heads: pool a sequence of encoder outputs into class logits (many-to-one)."""

from __future__ import annotations

import torch
from torch import nn

POOLS = ("last", "mean", "max", "attention")


def pool_outputs(outputs: torch.Tensor, mask: torch.Tensor, final: torch.Tensor, how: str) -> torch.Tensor:
    """Reduce B×T×H ``outputs`` to B×H: the final state, the masked mean, or the masked max."""
    if how == "last":
        return final
    m = mask.unsqueeze(-1).to(outputs.dtype)  # B×T×1
    if how == "mean":
        return (outputs * m).sum(1) / m.sum(1).clamp(min=1.0)
    if how == "max":
        return outputs.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(1).values
    if how == "attention":
        raise ValueError("attention pooling has weights: use AttentionPool (ClassificationHead does)")
    from rnnlp.errors import choice_error
    raise choice_error("pool", how, POOLS)


class AttentionPool(nn.Module):
    """Additive self-attention pooling (Yang et al. 2016; Raffel & Ellis 2015): a learned query
    scores ``tanh(W h_t)`` at every real step; the softmax over the unpadded steps weighs the
    outputs. The weights of the last call stay in ``self.weights`` (B×T) for inspection."""

    def __init__(self, input_size: int, attention_size: int = 0):
        super().__init__()
        size = attention_size or input_size
        self.project = nn.Linear(input_size, size)
        self.query = nn.Linear(size, 1, bias=False)
        self.weights: torch.Tensor | None = None

    def forward(self, outputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = self.query(torch.tanh(self.project(outputs))).squeeze(-1)   # B×T
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        self.weights = weights.detach()
        return torch.bmm(weights.unsqueeze(1), outputs).squeeze(1)           # B×H


class ClassificationHead(nn.Module):
    """Pool, dropout, optional tanh hidden layer, then a linear layer to ``num_outputs`` logits.

    A binary task uses one output (a sigmoid logit, the seed's scheme); a multiclass task uses one
    logit per class (softmax).
    """

    def __init__(self, input_size: int, num_outputs: int, pool: str = "max", dropout: float = 0.0,
                 hidden_size: int = 0):
        super().__init__()
        if pool not in POOLS:
            from rnnlp.errors import choice_error
            raise choice_error("pool", pool, POOLS)
        self.pool = pool
        self.attention = AttentionPool(input_size) if pool == "attention" else None
        self.drop = nn.Dropout(dropout)
        layers: list[nn.Module] = []
        if hidden_size:
            layers += [nn.Linear(input_size, hidden_size), nn.Tanh(), nn.Dropout(dropout)]
            input_size = hidden_size
        self.mlp = nn.Sequential(*layers, nn.Linear(input_size, num_outputs))

    def forward(self, outputs, mask, final) -> torch.Tensor:
        pooled = self.attention(outputs, mask) if self.attention is not None else \
            pool_outputs(outputs, mask, final, self.pool)
        return self.mlp(self.drop(pooled))  # B×C
