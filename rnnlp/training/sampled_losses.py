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


def _negative_weights(scores: torch.Tensor, positive: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(P×C softmax over each row's negatives (0 at its positive), P×1 positive scores): the
    weights s_j that make BPR and TOP1 "-max" (the hardest negatives count most)."""
    negative = torch.ones_like(scores, dtype=torch.bool)
    negative[torch.arange(scores.size(0)), positive] = False
    weights = scores.masked_fill(~negative, float("-inf")).softmax(1)
    return weights, scores.gather(1, positive[:, None])


def bpr_max(scores: torch.Tensor, positive: torch.Tensor, reg: float = 1.0) -> torch.Tensor:
    """BPR-max (Hidasi & Karatzoglou 2018): -log sum_j s_j sigmoid(r_i - r_j) + reg * sum_j s_j r_j^2,
    with s the softmax over the negatives' scores r_j."""
    weights, target = _negative_weights(scores, positive)
    ranked = (weights * torch.sigmoid(target - scores)).sum(1)
    penalty = (weights * scores ** 2).sum(1)  # weights are 0 at the positive
    return (-torch.log(ranked + 1e-24) + reg * penalty).mean()


def top1_max(scores: torch.Tensor, positive: torch.Tensor) -> torch.Tensor:
    """TOP1-max (Hidasi & Karatzoglou 2018): sum_j s_j (sigmoid(r_j - r_i) + sigmoid(r_j^2)), with s
    the softmax over the negatives' scores r_j; the second term pulls negative scores to 0."""
    weights, target = _negative_weights(scores, positive)
    return (weights * (torch.sigmoid(scores - target) + torch.sigmoid(scores ** 2))).sum(1).mean()
