"""Next-item losses over a sample of items instead of all of them (GRU4Rec's family).

``candidates`` are the batch's targets (in-batch negatives) plus items drawn by popularity;
each row's own target is its positive, every other candidate a negative (a candidate equal to
the target is masked out as a negative).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


def candidates(targets: torch.Tensor, popularity: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(C candidate items, P index of each target among them): the unique targets plus ``n``
    items drawn from ``popularity`` (one weight per item, 0 for padding)."""
    drawn = torch.multinomial(popularity, n, replacement=True).to(targets.device) if n else targets[:0]
    items, inverse = torch.unique(torch.cat([targets, drawn]), return_inverse=True)
    return items, inverse[: targets.numel()]


def sampled_softmax(scores: torch.Tensor, positive: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of P×C candidate scores with the positive at column ``positive`` (unique
    candidates: a row's target appears once, so no accidental hit needs masking)."""
    return F.cross_entropy(scores, positive)


def bpr_max(scores: torch.Tensor, positive: torch.Tensor, reg: float = 1.0) -> torch.Tensor:
    """BPR-max (Hidasi & Karatzoglou 2018): -log sum_j s_j sigmoid(r_i - r_j) + reg * sum_j s_j r_j^2,
    with s the softmax over the negatives' scores r_j."""
    negative = torch.ones_like(scores, dtype=torch.bool)
    negative[torch.arange(scores.size(0)), positive] = False
    neg_scores = scores.masked_fill(~negative, float("-inf"))
    weights = neg_scores.softmax(1)
    target = scores.gather(1, positive[:, None])
    ranked = (weights * torch.sigmoid(target - scores)).sum(1)
    penalty = (weights * scores.masked_fill(~negative, 0.0) ** 2).sum(1)
    return (-torch.log(ranked + 1e-24) + reg * penalty).mean()
