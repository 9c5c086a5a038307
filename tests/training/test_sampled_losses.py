"""Sampled next-item losses: candidates, sampled softmax (= full CE over all items), BPR-max by hand,
TOP1-max against a loop over the paper's formula."""

import math

import pytest
import torch
from torch.nn import functional as F

from rnnlp.training.sampled_losses import bpr_max, candidates, sampled_softmax, top1_max


def test_candidates_hold_each_target_once_and_point_at_it():
    torch.manual_seed(0)
    targets = torch.tensor([3, 1, 3, 7])
    popularity = torch.tensor([0.0, 1, 1, 1, 1, 1, 1, 1])
    items, positive = candidates(targets, popularity, 5)
    assert items.tolist() == sorted(set(items.tolist())) and 0 not in items.tolist()
    assert items[positive].tolist() == targets.tolist()


def test_sampled_softmax_over_every_item_is_the_full_cross_entropy():
    scores = torch.randn(4, 6, generator=torch.Generator().manual_seed(1))
    gold = torch.tensor([0, 5, 2, 2])
    assert torch.allclose(sampled_softmax(scores, gold), F.cross_entropy(scores, gold))


def test_bpr_max_by_hand():
    scores = torch.tensor([[2.0, 0.0, 1.0]])  # target column 0, negatives 0.0 and 1.0
    w = torch.tensor([0.0, 1.0]).softmax(0)
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    expected = -math.log(w[0] * sig(2.0) + w[1] * sig(1.0)) + 0.5 * (w[0] * 0.0 + w[1] * 1.0)
    assert bpr_max(scores, torch.tensor([0]), reg=0.5).item() == pytest.approx(float(expected), rel=1e-6)


def _top1_max_brute(scores: list, positive: list) -> float:
    """Hidasi & Karatzoglou 2018, eq. for TOP1-max, one row at a time in plain Python:
    sum over negatives j of s_j * (sigmoid(r_j - r_i) + sigmoid(r_j^2)), s = softmax over negatives."""
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    total = 0.0
    for row, i in zip(scores, positive):
        negs = [r for j, r in enumerate(row) if j != i]
        norm = sum(math.exp(r) for r in negs)
        total += sum(math.exp(r) / norm * (sig(r - row[i]) + sig(r * r)) for r in negs)
    return total / len(scores)


def test_top1_max_matches_the_formula_on_a_random_batch():
    scores = torch.randn(5, 7, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 2
    positive = torch.tensor([0, 6, 3, 3, 1])
    expected = _top1_max_brute(scores.tolist(), positive.tolist())
    assert top1_max(scores, positive).item() == pytest.approx(expected, rel=1e-12)


def test_top1_max_falls_when_the_positive_outscores_the_negatives():
    scores = torch.tensor([[0.0, 0.5, -0.5]], requires_grad=True)
    top1_max(scores, torch.tensor([0])).backward()
    assert scores.grad[0, 0] < 0  # raising the positive's score lowers the loss
