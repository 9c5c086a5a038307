"""Ranking metrics for next-item recommendation: the target's rank among all items, HR/NDCG@k, MRR.

Ties count against the target: its rank is the number of other items scoring at least as
high, so a model that scores everything alike ranks every target last (never a lucky first).
"""

from __future__ import annotations

import numpy as np
import torch

NEG = float("-inf")


def mask_seen(scores: torch.Tensor, histories: list, targets: torch.Tensor) -> torch.Tensor:
    """A copy of B×V ``scores`` with each user's history items at -inf, the target kept
    (a repeated item stays rankable); column 0 (padding) is always -inf."""
    out = scores.clone()
    rows = np.concatenate([[r] * len(h) for r, h in enumerate(histories)]).astype(np.int64) if histories else []
    cols = np.concatenate([np.asarray(h, dtype=np.int64) for h in histories]) if histories else []
    if len(rows):
        out[torch.as_tensor(rows), torch.as_tensor(cols)] = NEG
    keep = scores.gather(1, targets[:, None])
    out.scatter_(1, targets[:, None], keep)
    out[:, 0] = NEG
    return out


def target_ranks(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """0-based rank of each target among all columns: #{other columns scoring >= the target}."""
    mine = scores.gather(1, targets[:, None])
    return (scores >= mine).sum(1) - 1


def sampled_ranks(scores: torch.Tensor, targets: torch.Tensor, histories: list, n: int,
                  rng: np.random.Generator) -> torch.Tensor:
    """The older protocol: the target's rank among ``n`` random items the user never saw."""
    every = np.arange(1, scores.size(1))
    negatives = np.empty((len(histories), n), dtype=np.int64)
    for row, history in enumerate(histories):
        unseen = np.setdiff1d(every, np.append(np.asarray(history, dtype=np.int64), int(targets[row])))
        pool = unseen if len(unseen) else every  # a user who saw everything: any items
        negatives[row] = rng.choice(pool, n, replace=len(pool) < n)
    candidates = torch.cat([targets[:, None], torch.as_tensor(negatives)], 1)
    picked = scores.gather(1, candidates)
    return (picked >= picked[:, :1]).sum(1) - 1


def ranking_metrics(ranks, ks=(10, 20)) -> dict:
    """HR@k, NDCG@k (one relevant item: 1/log2(rank+2) inside the top k) and MRR of 0-based ranks."""
    ranks = np.asarray(ranks, dtype=np.float64)
    out = {}
    for k in ks:
        hit = ranks < k
        out[f"hr@{k}"] = float(hit.mean()) if len(ranks) else 0.0
        out[f"ndcg@{k}"] = float((hit / np.log2(ranks + 2)).mean()) if len(ranks) else 0.0
    out["mrr"] = float((1.0 / (ranks + 1)).mean()) if len(ranks) else 0.0
    return out
