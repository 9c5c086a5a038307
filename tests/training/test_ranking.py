"""Ranking metrics against brute force on small random cases, ties included."""

import math

import numpy as np
import pytest
import torch

from rnnlp.training.ranking import mask_seen, ranking_metrics, sampled_ranks, target_ranks


def brute_rank(row: list, target: int) -> int:
    """Sort descending with the target placed after every item scoring the same: its position."""
    order = sorted(range(len(row)), key=lambda i: (-row[i], i == target))
    return order.index(target)


@pytest.mark.parametrize("seed", range(5))
def test_target_ranks_match_brute_force_with_ties(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 4, size=(12, 9)).astype(np.float32)  # few values: many ties
    targets = rng.integers(0, 9, size=12)
    got = target_ranks(torch.as_tensor(scores), torch.as_tensor(targets)).tolist()
    assert got == [brute_rank(list(r), int(t)) for r, t in zip(scores, targets)]


def test_all_equal_scores_rank_the_target_last():
    ranks = target_ranks(torch.zeros(2, 5), torch.tensor([0, 3]))
    assert ranks.tolist() == [4, 4]


def test_metrics_by_hand():
    ranks = [0, 1, 9, 10, 25]
    m = ranking_metrics(ranks, ks=(10, 20))
    assert m["hr@10"] == pytest.approx(3 / 5)
    assert m["hr@20"] == pytest.approx(4 / 5)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3) + 1 / math.log2(11)) / 5)
    assert m["ndcg@20"] == pytest.approx((1 + 1 / math.log2(3) + 1 / math.log2(11) + 1 / math.log2(12)) / 5)
    assert m["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 10 + 1 / 11 + 1 / 26) / 5)


def test_mask_seen_hides_history_and_padding_but_keeps_a_repeated_target():
    scores = torch.arange(12, dtype=torch.float32).reshape(2, 6)
    out = mask_seen(scores, [[5, 4], [2]], torch.tensor([5, 3]))
    assert out[0].tolist() == [-math.inf, 1, 2, 3, -math.inf, 5]  # 5 is the target again: kept
    assert out[1].tolist() == [-math.inf, 7, -math.inf, 9, 10, 11]
    assert target_ranks(out, torch.tensor([5, 3])).tolist() == [0, 2]


def test_sampled_ranks_use_only_unseen_negatives():
    scores = torch.tensor([[0.0, 9.0, 8.0, 1.0, 2.0, 3.0]])  # items 1, 2 seen and scoring highest
    rng = np.random.default_rng(0)
    ranks = sampled_ranks(scores, torch.tensor([4]), [[1, 2]], 50, rng)
    # negatives come from {3, 5}: only 5 beats the target, so the rank is the count of picks of 5
    assert 0 < int(ranks[0]) < 50
