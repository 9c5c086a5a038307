"""Output heads: pool a sequence of encoder outputs into class logits (many-to-one)."""

from __future__ import annotations

import torch
from torch import nn

POOLS = ("last", "mean", "max")


def pool_outputs(outputs: torch.Tensor, mask: torch.Tensor, final: torch.Tensor, how: str) -> torch.Tensor:
    """Reduce B×T×H ``outputs`` to B×H: the final state, the masked mean, or the masked max."""
    if how == "last":
        return final
    m = mask.unsqueeze(-1).to(outputs.dtype)  # B×T×1
    if how == "mean":
        return (outputs * m).sum(1) / m.sum(1).clamp(min=1.0)
    if how == "max":
        return outputs.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(1).values
    from rnnlp.errors import choice_error
    raise choice_error("pool", how, POOLS)


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
        self.drop = nn.Dropout(dropout)
        layers: list[nn.Module] = []
        if hidden_size:
            layers += [nn.Linear(input_size, hidden_size), nn.Tanh(), nn.Dropout(dropout)]
            input_size = hidden_size
        self.mlp = nn.Sequential(*layers, nn.Linear(input_size, num_outputs))

    def forward(self, outputs, mask, final) -> torch.Tensor:
        return self.mlp(self.drop(pool_outputs(outputs, mask, final, self.pool)))  # B×C
