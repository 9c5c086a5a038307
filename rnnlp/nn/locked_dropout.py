"""Dropout for sequences: one mask per sequence (variational) and whole-word dropout.

Gal & Ghahramani (2016) and AWD-LSTM (Merity et al. 2017): dropping the same units at every
time step regularises an RNN better than fresh noise per step, which the recurrence averages
away. Word dropout replaces whole input tokens with <unk>, so the model learns to rely on
context and sees <unk> in training the way it will at test time.
"""

import torch
from torch import nn

from rnnlp.errors import ConfigError


def _check_probability(p: float) -> float:
    if not 0.0 <= p < 1.0:
        raise ConfigError(f"dropout probability must be in [0, 1), got {p}")
    return float(p)


class LockedDropout(nn.Module):
    """Variational dropout: one B×1×H mask per sequence, shared by all T steps.

    Args:
        p: probability of zeroing a unit, in [0, 1). Kept units are scaled by 1/(1-p).

    ``forward(x B×T×H) -> B×T×H``; the identity in eval mode or when p == 0.

    Raises:
        ConfigError: p outside [0, 1).
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = _check_probability(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1.0 - self.p)
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def word_dropout(ids: torch.Tensor, p: float, unk_id: int, mask: torch.Tensor | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Replace each token id by ``unk_id`` with probability ``p`` (call it in training only).

    Args:
        ids: LongTensor of any shape, e.g. B×T.
        p: replacement probability in [0, 1).
        unk_id: the id of <unk>.
        mask: optional bool like ``ids``; only True positions may be replaced (keep padding
            and special tokens out by passing False there).
        generator: for reproducible draws.

    Returns:
        A new tensor; ``ids`` is not modified.

    Raises:
        ConfigError: p outside [0, 1).
    """
    p = _check_probability(p)
    if p == 0.0:
        return ids.clone()
    drop = torch.rand(ids.shape, generator=generator, device=ids.device) < p
    if mask is not None:
        drop &= mask
    return ids.masked_fill(drop, unk_id)
