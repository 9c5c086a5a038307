"""Sampled next-item losses: candidates, sampled softmax (= full CE over all items), BPR-max by hand."""

import math

import pytest
import torch
from torch.nn import functional as F

from rnnlp.training.sampled_losses import bpr_max, candidates, sampled_softmax


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
