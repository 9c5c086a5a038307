"""Repetition penalty and no-repeat n-grams against the formulas, written out by brute force."""

import itertools

import pytest
import torch

from rnnlp.decoding import Constrained, beam_search, constrained_chooser, greedy, index_state, sample
from rnnlp.decoding.constraints import apply_rules, ban_repeated_ngrams, penalize_repetition
from rnnlp.errors import ConfigError

V = 7


class BigramDecoder:
    """log p(next | prev) = table[prev, next]: a toy model that loves to repeat itself."""

    def __init__(self, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        logits = torch.randn(V, V, generator=g, dtype=torch.float64) * 3
        self.table = logits.log_softmax(-1)

    def step(self, prev_ids, state):
        return self.table[prev_ids], state

    def reorder_state(self, state, index):
        return index_state(state, index)


def ngrams(seq: list, n: int) -> list[tuple]:
    return [tuple(seq[i: i + n]) for i in range(len(seq) - n + 1)]


def test_the_penalty_divides_positive_scores_and_multiplies_negative_ones_of_seen_ids_only():
    scores = torch.tensor([[2.0, -1.0, 0.5, -3.0, 0.0, 4.0], [1.0, 1.0, -2.0, -2.0, 3.0, -0.5]], dtype=torch.float64)
    history = torch.tensor([[0, 1, 1, 4], [2, 5, 5, 5]])
    got = penalize_repetition(scores, history, 1.5)
    for b, t in itertools.product(range(2), range(6)):
        s = scores[b, t].item()
        expected = (s / 1.5 if s > 0 else s * 1.5) if t in history[b].tolist() else s
        assert got[b, t].item() == pytest.approx(expected, abs=0)
    assert torch.equal(penalize_repetition(scores, history, 1.0), scores)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_banned_ids_are_exactly_those_that_would_repeat_an_ngram(n):
    g = torch.Generator().manual_seed(n)
    history = torch.randint(0, 4, (5, 9), generator=g)
    got = ban_repeated_ngrams(torch.zeros(5, V), history, n)
    for b in range(5):
        seq = history[b].tolist()
        expected = {i for i in range(V) if tuple(seq[len(seq) - n + 1:] + [i]) in ngrams(seq, n)}
        assert {i for i in range(V) if got[b, i] == float("-inf")} == expected


def test_a_row_left_with_no_possible_id_keeps_its_scores():
    scores = torch.log_softmax(torch.tensor([[1.0, 2.0, 3.0]]), -1)
    assert torch.equal(apply_rules(scores, torch.tensor([[0, 1, 2]]), 1.0, 1), scores)


@pytest.mark.parametrize("n", [2, 3])
def test_greedy_sampling_and_beam_never_repeat_an_ngram_of_prompt_and_output(n):
    decoder = Constrained(BigramDecoder(), no_repeat_ngram_size=n)
    prompt = [3, 1, 3]
    state = decoder.start(None, torch.tensor([prompt[:-1]] * 4))
    outputs = greedy(decoder, state, torch.tensor([prompt[-1]] * 4), -1, 12, 4)
    g = torch.Generator().manual_seed(0)
    outputs += sample(decoder, state, torch.tensor([prompt[-1]] * 4), -1, 12, 4, generator=g)
    hyps = beam_search(decoder, decoder.start(None, torch.tensor([prompt[:-1]])), bos_id=torch.tensor([3]),
                       eos_id=-1, beam_size=3, max_len=10, n_best=3)[0]
    outputs += [ids for ids, _ in hyps]
    assert len(outputs) == 11 and all(len(o) >= 6 for o in outputs)
    for out in outputs:
        grams = ngrams(prompt + out, n)
        assert len(grams) == len(set(grams)), (prompt, out)
    plain = greedy(BigramDecoder(), None, 3, -1, 12)[0]
    assert len(set(ngrams(prompt + plain, n))) < len(ngrams(prompt + plain, n))  # it would repeat


def test_greedy_with_a_penalty_follows_the_formula_step_by_step():
    table, penalty, prompt = BigramDecoder(1).table, 1.3, [2, 5]
    decoder = Constrained(BigramDecoder(1), repetition_penalty=penalty)
    got = greedy(decoder, decoder.start(None, torch.tensor([prompt[:-1]])), torch.tensor([prompt[-1]]), -1, 10)[0]
    seq = list(prompt)
    for _ in range(10):  # by hand: log p of every seen id times the penalty (all are <= 0)
        scores = [table[seq[-1], i].item() * (penalty if i in seq else 1.0) for i in range(V)]
        seq.append(max(range(V), key=scores.__getitem__))
    assert got == seq[len(prompt):]


def test_the_per_row_chooser_picks_what_the_constrained_decoder_picks():
    prompt = [4, 4, 2]
    decoder = Constrained(BigramDecoder(2), repetition_penalty=2.0, no_repeat_ngram_size=2)
    expected = greedy(decoder, decoder.start(None, torch.tensor([prompt[:-1]])), torch.tensor([2]), -1, 8)[0]
    choose = constrained_chooser(lambda lp: lp.argmax(-1), prompt, 2.0, 2)
    table, prev, got = BigramDecoder(2).table, 2, []
    for _ in range(8):
        prev = int(choose(table[[prev]]))
        got.append(prev)
    assert got == expected


PENALTY = "repetition_penalty (--repetition-penalty) must be a number > 0 (1 = off), got "
NGRAM = "no_repeat_ngram_size (--no-repeat-ngram-size) must be an int >= 0 (0 = off), got "


@pytest.mark.parametrize("penalty, ngram, message", [
    (0.0, 0, PENALTY + "0.0"), (-1, 0, PENALTY + "-1"), (float("nan"), 0, PENALTY + "nan"),
    (True, 0, PENALTY + "True"), ("2", 0, PENALTY + "'2'"), (1.0, -1, NGRAM + "-1"), (1.0, 1.5, NGRAM + "1.5"),
    (1.0, None, NGRAM + "None")])
def test_bad_settings_are_one_line_config_errors(penalty, ngram, message):
    with pytest.raises(ConfigError) as found:
        Constrained(BigramDecoder(), penalty, ngram)
    assert str(found.value) == message
    with pytest.raises(ConfigError) as found:
        constrained_chooser(lambda lp: lp.argmax(-1), [], penalty, ngram)
    assert str(found.value) == message
