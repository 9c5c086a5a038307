"""The batched seeded sampler: inverse CDF against brute force, exact frequencies, batch independence."""

from fractions import Fraction

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from rnnlp.decoding import RowSampler, choose_rows, inverse_cdf
from rnnlp.decoding.sampling import BLOCK


def _brute_force(probs: torch.Tensor, u: float) -> int:
    """The first index whose exact cumulative probability exceeds u * total."""
    weights = [Fraction(x) for x in probs.tolist()]
    target, running = Fraction(u) * sum(weights), Fraction(0)
    for i, w in enumerate(weights):
        running += w
        if running > target:
            return i
    raise AssertionError("u must be below 1")


@pytest.mark.parametrize("vocab", [3, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 17])
def test_inverse_cdf_is_the_exact_inverse_cdf(vocab):
    g = torch.Generator().manual_seed(vocab)
    probs = torch.rand(6, vocab, generator=g) ** 4
    probs[:, ::5] = 0  # zero-probability ids are never picked
    u = torch.rand(6, dtype=torch.float64, generator=g)
    got = inverse_cdf(probs, u).tolist()
    assert got == [_brute_force(probs[b], u[b].item()) for b in range(6)]
    assert all(probs[b, i] > 0 for b, i in enumerate(got))


def test_inverse_cdf_ends_never_pick_a_zero_probability_id():
    probs = torch.zeros(2, BLOCK + 4)
    probs[:, 1] = probs[:, BLOCK + 1] = 0.5  # zeros before, between and after
    largest = 1 - 2.0 ** -53
    assert inverse_cdf(probs, torch.tensor([0.0, largest], dtype=torch.float64)).tolist() == [1, BLOCK + 1]
    assert inverse_cdf(probs, torch.tensor([0.5, 0.4999], dtype=torch.float64)).tolist() == [BLOCK + 1, 1]


def test_evenly_spread_uniforms_give_each_id_its_exact_share():
    log_probs = torch.log(torch.tensor([[0.05, 0.4, 0.0, 0.25, 0.3]]))
    n = 10_000
    u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    ids = inverse_cdf(torch.softmax(log_probs, dim=-1).expand(n, -1), u)
    counts = torch.bincount(ids, minlength=5).tolist()
    assert counts == [500, 4000, 0, 2500, 3000]


def _reference(log_probs: np.ndarray, temperature, top_k, top_p) -> np.ndarray:
    """What the options leave of one row's distribution, computed with numpy/scipy."""
    scores = log_probs / temperature
    order = np.argsort(-scores, kind="stable")
    keep = np.zeros(len(scores), dtype=bool)
    keep[order[: top_k or len(scores)]] = True
    probs = scipy.special.softmax(np.where(keep, scores, -np.inf))
    mass_before = np.cumsum(probs[order]) - probs[order]
    keep[order[mass_before >= top_p]] = False
    return scipy.special.softmax(np.where(keep, scores, -np.inf))


@pytest.mark.parametrize("options", [(1.0, None, 1.0), (0.7, 5, 1.0), (1.3, None, 0.8)])
def test_seeded_draws_follow_the_reshaped_distribution(options):
    g = torch.Generator().manual_seed(0)
    log_probs = torch.log_softmax(torch.randn(1, 8, generator=g) * 2, dim=-1)
    n = 20_000
    sampler = RowSampler(*options, generator=torch.Generator().manual_seed(1))
    ids = choose_rows(log_probs.expand(n, -1), [sampler] * n)
    expected = _reference(log_probs[0].double().numpy(), *options)
    counts = np.bincount(ids.numpy(), minlength=8)
    assert counts[expected == 0].sum() == 0
    seen = expected > 0
    assert scipy.stats.chisquare(counts[seen], expected[seen] * n).pvalue > 0.01


def test_each_row_draws_what_it_draws_alone_whatever_the_batch():
    g = torch.Generator().manual_seed(3)
    log_probs = torch.log_softmax(torch.randn(5, 3 * BLOCK + 5, generator=g) * 3, dim=-1)
    options = [(1.0, None, 1.0), (0.5, 40, 1.0), None, (1.2, None, 0.9), (1.0, None, 1.0)]

    def samplers():
        return [RowSampler(greedy=True) if o is None else RowSampler(*o, generator=torch.Generator().manual_seed(k))
                for k, o in enumerate(options)]

    batched, alone = samplers(), samplers()
    for _ in range(4):  # several steps: each generator advances by one uniform per step
        together = choose_rows(log_probs, batched).tolist()
        single = [choose_rows(log_probs[b: b + 1], [alone[b]]).item() for b in range(5)]
        assert together == single
    assert together[2] == log_probs[2].argmax().item()

