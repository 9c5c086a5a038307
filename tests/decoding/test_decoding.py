"""Decoding against toy decoders whose distributions are known exactly."""

import math
from collections import namedtuple

import pytest
import torch

from rnnlp.decoding import (
    Decoder,
    beam_search,
    filter_top_p,
    gnmt_length_penalty,
    greedy,
    index_state,
    sample,
    stream_greedy,
    stream_sample,
)
from rnnlp.errors import ConfigError

EOS = 0


class BigramDecoder:
    """log p(next | prev) = table[prev, next]; no state beyond the previous token."""

    def __init__(self, table: torch.Tensor):
        self.table = table
        self.steps = 0

    def step(self, prev_ids, state):
        self.steps += 1
        return self.table[prev_ids], state

    def reorder_state(self, state, index):
        return index_state(state, index)


class HistoryDecoder:
    """A tiny RNN: the distribution depends on the whole prefix and the initial state.

    Its state mixes layouts on purpose: h is 1×B×D like an LSTM's, steps is B.
    """

    def __init__(self, vocab=4, dim=3, seed=1):
        g = torch.Generator().manual_seed(seed)
        self.embed = torch.randn(vocab + 1, dim, generator=g, dtype=torch.float64)
        self.recur = torch.randn(dim, dim, generator=g, dtype=torch.float64)
        self.out = 2 * torch.randn(dim, vocab, generator=g, dtype=torch.float64)

    def initial_state(self, batch_size, seed=1):
        g = torch.Generator().manual_seed(seed)
        h = torch.randn(1, batch_size, self.recur.shape[0], generator=g, dtype=torch.float64)
        return {"h": h, "steps": torch.zeros(batch_size, dtype=torch.long)}

    def step(self, prev_ids, state):
        h = torch.tanh(state["h"] @ self.recur + self.embed[prev_ids])
        logits = h[0] @ self.out
        logits[:, EOS] += 1.5 * state["steps"]  # ending grows likelier with length
        return torch.log_softmax(logits, dim=-1), {"h": h, "steps": state["steps"] + 1}

    def reorder_state(self, state, index):
        return {"h": index_state(state["h"], index, batch_dim=1),
                "steps": index_state(state["steps"], index)}


def _random_table(vocab=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.log_softmax(3 * torch.randn(vocab, vocab, generator=g, dtype=torch.float64), -1)


def _brute_force(decoder, state, bos_id, max_len, alpha=0.0):
    """Every complete sequence (ids without eos, normalised score), best first."""
    results = []

    def extend(prefix, prev, state, score):
        log_probs, state = decoder.step(torch.tensor([prev]), state)
        for token, lp in enumerate(log_probs[0].tolist()):
            total = score + lp
            if token == EOS or len(prefix) + 1 == max_len:
                ids = prefix + ([] if token == EOS else [token])
                results.append((ids, total / gnmt_length_penalty(len(prefix) + 1, alpha)))
            else:
                extend(prefix + [token], token, state, total)

    extend([], bos_id, state, 0.0)
    return sorted(results, key=lambda r: -r[1])


def _assert_same_hypotheses(found, expected):
    assert [ids for ids, _ in found] == [ids for ids, _ in expected]
    for (_, score), (_, want) in zip(found, expected):
        assert score == pytest.approx(want, abs=1e-9)


# --- protocol and state helpers ---------------------------------------------------------

def test_toy_decoders_satisfy_the_protocol():
    assert isinstance(BigramDecoder(_random_table()), Decoder)
    assert isinstance(HistoryDecoder(), Decoder)
    assert not isinstance(object(), Decoder)


def test_index_state_on_nested_structures():
    Pair = namedtuple("Pair", "h c")
    state = {"rnn": Pair(torch.arange(6).reshape(3, 2), torch.arange(3)),
             "memory": [torch.tensor([10, 11, 12])], "name": "keep", "none": None}
    index = torch.tensor([2, 2, 0])
    out = index_state(state, index, batch_dim=0)
    assert out["memory"][0].tolist() == [12, 12, 10] and out["name"] == "keep"
    assert out["none"] is None and isinstance(out["rnn"], Pair)
    assert out["rnn"].h.tolist() == [[4, 5], [4, 5], [0, 1]] and out["rnn"].c.tolist() == [2, 2, 0]
    layer_first = index_state((torch.arange(6).reshape(1, 3, 2),), index, batch_dim=1)
    assert layer_first[0].tolist() == [[[4, 5], [4, 5], [0, 1]]]


# --- greedy and sampling ------------------------------------------------------------------

def test_greedy_picks_the_argmax_chain():
    table = _random_table()
    decoder = BigramDecoder(table)
    out = greedy(decoder, None, bos_id=torch.tensor([1, 2, 3, 4]), eos_id=EOS, max_len=6,
                 batch_size=4)
    for start, ids in zip([1, 2, 3, 4], out):
        expected, prev = [], start
        for _ in range(6):
            prev = int(table[prev].argmax())
            if prev == EOS:
                break
            expected.append(prev)
        assert ids == expected
    assert out == [[4, 3, 2, 1, 4, 3], [1, 4, 3, 2, 1, 4], [2, 1, 4, 3, 2, 1], [3, 2, 1, 4, 3, 2]]


def test_greedy_stops_at_eos_and_excludes_it():
    table = torch.full((3, 3), math.log(0.1), dtype=torch.float64)
    table[1, 2] = table[2, EOS] = math.log(0.8)
    assert greedy(BigramDecoder(table), None, 1, EOS, max_len=10) == [[2]]


def test_stream_yields_step_by_step_and_pads_finished_rows_with_eos():
    decoder = HistoryDecoder()
    state = decoder.initial_state(3)
    stream = stream_greedy(decoder, state, bos_id=4, eos_id=EOS, max_len=8, batch_size=3)
    assert next(stream).shape == (3,)
    steps = [s.tolist() for s in stream_greedy(decoder, state, 4, EOS, 8, batch_size=3)]
    rows = greedy(decoder, state, 4, EOS, 8, batch_size=3)
    for b, ids in enumerate(rows):
        column = [step[b] for step in steps]
        assert column[: len(ids)] == ids
        assert all(token == EOS for token in column[len(ids):])
    assert len(steps) == max(len(ids) for ids in rows) + 1 <= 8


def test_stream_is_lazy():
    decoder = BigramDecoder(_random_table())
    stream = stream_sample(decoder, None, 1, EOS, 50, batch_size=2,
                           generator=torch.Generator().manual_seed(0))
    assert decoder.steps == 0
    next(stream)
    next(stream)
    assert decoder.steps == 2


def _transitions(decoder, seed, batch=400, **options):
    """(prev, next) pairs seen while sampling from every start token."""
    starts = torch.arange(1, decoder.table.shape[0]).repeat(batch // 4)
    steps = list(stream_sample(decoder, None, starts, EOS, 6, batch_size=len(starts),
                               generator=torch.Generator().manual_seed(seed), **options))
    pairs, prev = set(), starts
    for ids in steps:
        pairs |= {(p, n) for p, n, alive in zip(prev.tolist(), ids.tolist(), (prev != EOS).tolist())
                  if alive}
        prev = ids
    return pairs


def test_top_k_never_samples_outside_k():
    table = _random_table()
    pairs = _transitions(BigramDecoder(table), seed=0, top_k=2)
    top2 = {(p, n) for p in range(5) for n in table[p].topk(2).indices.tolist()}
    assert pairs <= top2
    assert {(p, n) for p, n in top2 if p != EOS} <= pairs  # both of the k are used


def test_top_p_never_samples_outside_the_nucleus():
    table = _random_table()
    nucleus = set()
    for p in range(5):
        mass = 0.0
        for n in table[p].argsort(descending=True).tolist():
            nucleus.add((p, n))
            mass += table[p, n].exp().item()
            if mass >= 0.9:
                break
    pairs = _transitions(BigramDecoder(table), seed=1, top_p=0.9)
    assert pairs <= nucleus
    assert {(p, n) for p, n in nucleus if p != EOS} <= pairs
    assert len(nucleus) < 25  # the filter removed something


def test_filter_top_p_keeps_the_argmax_even_for_tiny_p():
    log_probs = torch.log(torch.tensor([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]]))
    kept = torch.isfinite(filter_top_p(log_probs, 0.01)).tolist()
    assert kept == [[False, True, False], [True, False, False]]
    kept = torch.isfinite(filter_top_p(log_probs, 0.7)).tolist()
    assert kept == [[False, True, True], [True, True, False]]  # .75 reached after two


def test_same_seed_same_samples_and_low_temperature_is_greedy():
    decoder = HistoryDecoder()
    state = decoder.initial_state(8)

    def draw(seed, **options):
        return sample(decoder, state, 4, EOS, 10, batch_size=8,
                      generator=torch.Generator().manual_seed(seed), **options)

    assert draw(3) == draw(3)
    assert draw(3) != draw(4)
    assert draw(3, temperature=1e-4) == greedy(decoder, state, 4, EOS, 10, batch_size=8)


def test_sampling_frequencies_follow_the_distribution():
    table = torch.log(torch.tensor([[1.0, 0, 0], [0.2, 0.3, 0.5], [1.0, 0, 0]]))
    out = sample(BigramDecoder(table), None, 1, EOS, 1, batch_size=4000,
                 generator=torch.Generator().manual_seed(0))
    counts = [sum(ids == [t] for ids in out) for t in (1, 2)] + [sum(ids == [] for ids in out)]
    assert counts == pytest.approx([1200, 2000, 800], abs=80)


@pytest.mark.parametrize("options,message", [
    ({"temperature": 0.0}, "temperature must be > 0, got 0.0; use greedy"),
    ({"temperature": -1.0}, "temperature must be > 0"),
    ({"top_p": 0.0}, r"top_p must be in \(0, 1\], got 0.0"),
    ({"top_p": 1.5}, r"top_p must be in \(0, 1\]"),
    ({"top_k": 0}, "top_k must be >= 1 or None"),
])
def test_bad_sampling_options_raise_at_call_time(options, message):
    with pytest.raises(ConfigError, match=message):
        stream_sample(BigramDecoder(_random_table()), None, 1, EOS, 5, **options)
    with pytest.raises(ConfigError, match=message):
        sample(BigramDecoder(_random_table()), None, 1, EOS, 5, **options)


# --- beam search --------------------------------------------------------------------------

def _trap_table():
    """Greedy goes 1 (p .5) then is stuck with .34 at best; 2 then eos scores .4 × .9."""
    probs = torch.tensor([
        [1.0, 0.0, 0.0, 0.0],    # eos (never used as prev)
        [0.34, 0.33, 0.33, 0.0],  # 1
        [0.9, 0.05, 0.05, 0.0],   # 2
        [0.1, 0.5, 0.4, 0.0],     # 3 = bos, never generated
    ], dtype=torch.float64)
    return torch.log(probs)


def test_beam_escapes_the_greedy_trap():
    decoder = BigramDecoder(_trap_table())
    assert greedy(decoder, None, 3, EOS, 3) == [[1]]
    [[(ids, score)]] = beam_search(decoder, None, bos_id=3, eos_id=EOS, beam_size=2, max_len=3)
    assert ids == [2]
    assert score == pytest.approx(math.log(0.4 * 0.9), abs=1e-12)


def test_beam_size_one_equals_greedy():
    decoder = HistoryDecoder()
    state = decoder.initial_state(8)
    beams = beam_search(decoder, state, bos_id=4, eos_id=EOS, beam_size=1, max_len=7, batch_size=8)
    assert [hyps[0][0] for hyps in beams] == greedy(decoder, state, 4, EOS, 7, batch_size=8)


def test_beam_size_one_is_greedy_even_when_an_early_eos_scores_better():
    # Only ending candidates ranked within the beam are kept: with K=1 the eos at rank 2
    # (p .3, better than greedy's .5 × .34) is not a hypothesis.
    probs = torch.tensor([[1.0, 0, 0], [0.34, 0.33, 0.33], [0.3, 0.5, 0.2]], dtype=torch.float64)
    decoder = BigramDecoder(torch.log(probs))
    assert greedy(decoder, None, 2, EOS, 3) == [[1]]
    [[(ids, score)]] = beam_search(decoder, None, bos_id=2, eos_id=EOS, beam_size=1, max_len=3)
    assert ids == [1] and score == pytest.approx(math.log(0.5 * 0.34), abs=1e-12)
    [[(ids, _)]] = beam_search(decoder, None, bos_id=2, eos_id=EOS, beam_size=2, max_len=3)
    assert ids == []


def test_length_penalty_keeps_searching_for_a_long_winner():
    # eos first scores log .5 ≈ -0.69; "1 1 1 1" scores log(.45 × .95³) / 1.5² ≈ -0.42 with
    # alpha 2, so the search must not stop after the first step.
    probs = torch.tensor([[1.0, 0, 0], [0.03, 0.95, 0.02], [0.5, 0.45, 0.05]], dtype=torch.float64)
    decoder = BigramDecoder(torch.log(probs))
    [[(ids, score)]] = beam_search(decoder, None, bos_id=2, eos_id=EOS, beam_size=2, max_len=4,
                                   length_penalty=2.0)
    assert ids == [1, 1, 1, 1]
    assert score == pytest.approx(math.log(0.45 * 0.95 ** 3) / 2.25, abs=1e-12)
    _assert_same_hypotheses([(ids, score)], _brute_force(decoder, None, 2, 4, alpha=2.0)[:1])
    [[(ids, _)]] = beam_search(decoder, None, bos_id=2, eos_id=EOS, beam_size=2, max_len=4)
    assert ids == []


@pytest.mark.parametrize("alpha", [0.0, 0.6])
def test_exhaustive_beam_is_exact_against_brute_force(alpha):
    # 4 tokens, max_len 3: at most 9 live prefixes and 36 candidates, so K=36 keeps all.
    decoder = HistoryDecoder()
    state = decoder.initial_state(3)
    beams = beam_search(decoder, state, bos_id=4, eos_id=EOS, beam_size=36, max_len=3,
                        length_penalty=alpha, n_best=5, batch_size=3)
    for b, found in enumerate(beams):
        row = decoder.reorder_state(state, torch.tensor([b]))
        _assert_same_hypotheses(found, _brute_force(decoder, row, 4, 3, alpha)[:5])


def test_small_beam_finds_the_brute_force_best_on_random_bigram():
    table = _random_table(seed=5)
    decoder = BigramDecoder(table)
    expected = _brute_force(decoder, None, 1, 5)[0]
    [[found]] = beam_search(decoder, None, bos_id=1, eos_id=EOS, beam_size=4, max_len=5)
    _assert_same_hypotheses([found], [expected])


def test_batch_of_eight_equals_eight_single_runs():
    decoder = HistoryDecoder()
    state = decoder.initial_state(8)
    batched = beam_search(decoder, state, bos_id=4, eos_id=EOS, beam_size=3, max_len=6, n_best=3,
                          batch_size=8)
    stacked = beam_search(decoder, decoder.reorder_state(state, torch.zeros(8, dtype=torch.long)),
                          bos_id=4, eos_id=EOS, beam_size=3, max_len=6, n_best=3, batch_size=8)
    for b in range(8):
        row = decoder.reorder_state(state, torch.tensor([b]))
        [alone] = beam_search(decoder, row, bos_id=4, eos_id=EOS, beam_size=3, max_len=6, n_best=3)
        _assert_same_hypotheses(batched[b], alone)
        if b == 0:
            assert all(hyps == stacked[0] for hyps in stacked)
            _assert_same_hypotheses(stacked[0], alone)
    assert len({tuple(map(tuple, (ids for ids, _ in hyps))) for hyps in batched}) > 1


def test_per_sentence_max_len():
    decoder = BigramDecoder(_random_table(seed=2))
    limits = [1, 3, 6]
    beams = beam_search(decoder, None, bos_id=torch.tensor([1, 1, 1]), eos_id=EOS, beam_size=3,
                        max_len=torch.tensor(limits), n_best=2, batch_size=3)
    for limit, hyps in zip(limits, beams):
        [alone] = beam_search(decoder, None, bos_id=1, eos_id=EOS, beam_size=3, max_len=limit, n_best=2)
        _assert_same_hypotheses(hyps, alone)
        assert all(len(ids) <= limit for ids, _ in hyps)
    assert beams[0] != beams[2]


def test_n_best_are_sorted_and_distinct():
    decoder = HistoryDecoder(seed=3)
    [hyps] = beam_search(decoder, decoder.initial_state(1), bos_id=4, eos_id=EOS, beam_size=5,
                         max_len=6, n_best=5)
    scores = [score for _, score in hyps]
    assert len(hyps) == 5 and scores == sorted(scores, reverse=True)
    assert len({tuple(ids) for ids, _ in hyps}) == 5


def test_gnmt_length_penalty_values():
    assert gnmt_length_penalty(1, 0.0) == 1.0
    assert gnmt_length_penalty(1, 1.0) == 1.0
    assert gnmt_length_penalty(7, 0.5) == pytest.approx(math.sqrt(2.0))


@pytest.mark.parametrize("options,message", [
    ({"beam_size": 0}, "beam_size must be >= 1"),
    ({"n_best": 3}, r"n_best must be in \[1, beam_size=2\], got 3"),
    ({"max_len": 0}, "max_len must be >= 1"),
    ({"max_len": [3, 4]}, "one per sentence"),
])
def test_bad_beam_options_raise(options, message):
    arguments = {"beam_size": 2, "max_len": 4, **options}
    with pytest.raises(ConfigError, match=message):
        beam_search(BigramDecoder(_random_table()), None, bos_id=1, eos_id=EOS, **arguments)


def test_beam_options_are_keyword_only():
    with pytest.raises(TypeError):
        beam_search(BigramDecoder(_random_table()), None, 1, EOS, 2, 4)
