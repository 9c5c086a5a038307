"""Frame distributions over keys: Bernoulli against numpy, NADE normalised and against a loop."""

import itertools

import numpy as np
import pytest
import torch

from rnnlp.nn.keys import BernoulliKeys, NADEKeys


def all_frames(keys: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=keys)))


def test_bernoulli_log_prob_is_the_numpy_sum_over_keys():
    torch.manual_seed(0)
    head = BernoulliKeys(5, keys=7)
    context, frame = torch.randn(3, 5), (torch.rand(3, 7) < 0.4).float()
    p = torch.sigmoid(head.proj(context)).detach().double().numpy()
    v = frame.numpy()
    expected = (v * np.log(p) + (1 - v) * np.log(1 - p)).sum(1)
    assert np.allclose(head.log_prob(context, frame).detach().numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("head", [lambda: BernoulliKeys(4, keys=6), lambda: NADEKeys(4, keys=6, hidden_size=5)])
def test_each_frame_distribution_sums_to_one(head):
    torch.manual_seed(1)
    head = head()
    if isinstance(head, NADEKeys):  # the default init is near-uniform: make the keys depend on each other
        torch.nn.init.normal_(head.W, std=2.0)
        torch.nn.init.normal_(head.V, std=2.0)
    frames = all_frames(6)                                  # all 64 frames of 6 keys
    context = torch.randn(4).expand(len(frames), 4)
    total = head.log_prob(context, frames).exp().sum()
    assert total.item() == pytest.approx(1.0, abs=1e-5)


def test_nade_log_prob_matches_the_key_by_key_definition():
    torch.manual_seed(2)
    head = NADEKeys(3, keys=5, hidden_size=4)
    torch.nn.init.normal_(head.W)
    torch.nn.init.normal_(head.V)
    context, frame = torch.randn(3), torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0])
    b, a = head.to_b(context), head.to_c(context)
    expected = 0.0
    for k in range(5):
        p = torch.sigmoid(b[k] + torch.sigmoid(a) @ head.V[k])
        expected += torch.log(p if frame[k] else 1 - p)
        a = a + head.W[:, k] * frame[k]
    assert head.log_prob(context, frame).item() == pytest.approx(expected.item(), abs=1e-5)


@pytest.mark.parametrize("cls", [BernoulliKeys, NADEKeys])
def test_sampling_repeats_with_the_seed_and_keeps_the_note_limit(cls):
    torch.manual_seed(3)
    head = cls(4, 88)  # freshly initialised: every key near p = 0.5, so the limit has work to do
    context = torch.randn(6, 4)
    draw = lambda seed, **kw: head.sample(context, torch.Generator().manual_seed(seed), **kw)  # noqa: E731
    assert torch.equal(draw(0), draw(0)) and not torch.equal(draw(0), draw(1))
    assert draw(0).sum(1).max() > 3 and draw(0, max_notes=3).sum(1).max() <= 3
    assert set(draw(0).unique().tolist()) <= {0.0, 1.0}


def test_predict_thresholds_at_one_half():
    head = BernoulliKeys(2, keys=3)
    with torch.no_grad():
        head.proj.weight.zero_()
        head.proj.bias.copy_(torch.tensor([1.0, -1.0, 0.5]))
    assert head.predict(torch.zeros(1, 2)).tolist() == [[1.0, 0.0, 1.0]]
