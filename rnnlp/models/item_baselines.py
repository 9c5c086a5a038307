"""The simple next-item baselines published work often fails to beat: most-popular and item-kNN.

Both are fitted on the histories of one evaluation (never its targets) and score B users at a
time as a B×(N+1) tensor, like the sequential model's ``last_scores``.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import sparse


def _matrix(histories: list, num_items: int, weights=None) -> sparse.csr_matrix:
    """Rows of item counts (or given weights) per history."""
    rows = np.concatenate([np.full(len(h), r) for r, h in enumerate(histories)]) if histories else np.zeros(0)
    cols = np.concatenate([np.asarray(h, dtype=np.int64) for h in histories]) if histories else np.zeros(0)
    data = np.ones(len(cols)) if weights is None else weights
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(histories), num_items + 1))


class MostPopular:
    """Every user gets the items ranked by how often they occur in the histories."""

    def __init__(self, histories: list, num_items: int):
        counts = np.asarray(_matrix(histories, num_items).sum(0)).ravel()
        self.counts = torch.as_tensor(counts, dtype=torch.float32)

    def scores(self, histories: list) -> torch.Tensor:
        return self.counts.expand(len(histories), -1).clone()


class ItemKNN:
    """Item co-occurrence: an item scores the cosine similarity (over users) to each history
    item, summed with weight ``decay ** steps back`` so the latest items count most."""

    def __init__(self, histories: list, num_items: int, decay: float = 0.8):
        users = _matrix(histories, num_items)
        users.data[:] = 1.0  # who interacted with what, not how often
        norm = np.sqrt(np.asarray(users.sum(0)).ravel())
        self.inv = sparse.diags(np.where(norm > 0, 1.0 / np.maximum(norm, 1e-12), 0.0))
        self.users, self.num_items, self.decay = users.tocsc(), num_items, decay

    def scores(self, histories: list) -> torch.Tensor:
        weights = np.concatenate([self.decay ** np.arange(len(h) - 1, -1, -1) for h in histories])
        query = _matrix(histories, self.num_items, weights) @ self.inv
        out = ((query @ self.users.T) @ self.users) @ self.inv
        return torch.as_tensor(np.asarray(out.todense()), dtype=torch.float32)
