"""CTC decoding against brute force: every alignment of tiny T and vocabularies enumerated."""

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnlp.decoding.ctc import collapse, decode, greedy, prefix_beam_search


def random_log_probs(seed: int, frames: int, labels: int) -> np.ndarray:
    logits = np.random.default_rng(seed).normal(scale=2.0, size=(frames, labels))
    return logits - np.log(np.exp(logits).sum(1, keepdims=True))


def brute_force(log_probs: np.ndarray) -> dict:
    """log P(labels) for every label sequence: the sum over all V**T alignments that collapse to it."""
    frames, labels = log_probs.shape
    totals: dict = {}
    for path in itertools.product(range(labels), repeat=frames):
        score = sum(log_probs[t, v] for t, v in enumerate(path))
        key = tuple(collapse(path))
        totals[key] = np.logaddexp(totals.get(key, -np.inf), score)
    return totals


def test_collapse_merges_repeats_then_drops_blanks():
    assert collapse([1, 1, 0, 1, 2, 2, 0, 0, 3]) == [1, 1, 2, 3]
    assert collapse([0, 0]) == [] and collapse([]) == []


@pytest.mark.parametrize("seed,frames,labels", [(0, 4, 3), (1, 5, 3), (2, 3, 4), (3, 6, 2), (4, 5, 4)])
def test_prefix_beam_search_with_a_wide_beam_is_exact(seed, frames, labels):
    log_probs = random_log_probs(seed, frames, labels)
    truth = brute_force(log_probs)
    beam = prefix_beam_search(log_probs, beam_size=10_000, prune=-math.inf)
    assert {p: s for p, s in beam} == pytest.approx(truth, rel=1e-9)  # every sequence, exact probability
    best = max(truth, key=truth.get)
    assert beam[0][0] == best and decode(log_probs, beam_size=8) == list(best)


@pytest.mark.parametrize("seed", range(5))
def test_sequence_probabilities_agree_with_torch_ctc_loss(seed):
    log_probs = random_log_probs(seed, 6, 3)
    for prefix, score in prefix_beam_search(log_probs, beam_size=50, prune=-math.inf)[:5]:
        if not prefix:
            continue
        nll = F.ctc_loss(torch.tensor(log_probs)[:, None], torch.tensor([prefix]), torch.tensor([6]),
                         torch.tensor([len(prefix)]), reduction="sum")
        assert -float(nll) == pytest.approx(score, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_greedy_is_the_collapse_of_the_best_alignment(seed):
    log_probs = random_log_probs(seed, 5, 3)
    frames, labels = log_probs.shape
    best_path = max(itertools.product(range(labels), repeat=frames),
                    key=lambda path: sum(log_probs[t, v] for t, v in enumerate(path)))
    assert greedy(log_probs) == collapse(best_path) == decode(log_probs, beam_size=1)


def test_the_best_sequence_can_beat_the_best_path():
    # the best path is a,b (0.4 * 0.4), but "a" sums a,a + a,_ + _,a (0.4*0.35 + 0.4*0.25 + 0.25*0.35)
    log_probs = np.log(np.array([[0.25, 0.4, 0.35], [0.25, 0.35, 0.4]]))
    assert greedy(log_probs) == [1, 2]
    truth = brute_force(log_probs)
    assert decode(log_probs, beam_size=4) == list(max(truth, key=truth.get)) == [1]
