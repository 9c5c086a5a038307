"""Repetition penalty and no-repeat n-grams, as in HF ``generate``, for every decoding mode.

Both look at each row's history: the prompt's ids and the ids generated so far.

- ``repetition_penalty`` p (CTRL, Keskar et al. 2019): the score s of every id in the history
  becomes s / p when s > 0 and s * p otherwise, so p > 1 discourages repeats, p = 1 is off.
  Scores here are the decoder's log-probabilities (all <= 0: a seen token's log-probability
  is multiplied by p), as HF does for models whose scores are log-softmax outputs.
- ``no_repeat_ngram_size`` n: an id that would complete an n-gram already in the history
  gets -inf, so no n-gram occurs twice (0 is off; 1 forbids every id seen).

``Constrained`` wraps a ``Decoder`` and carries the history in its state, so greedy,
sampling and beam search (whose ``reorder_state`` follows the beams) all get the rules;
``constrained_chooser`` does the same for a per-row chooser (the HTTP server's streams).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from rnnlp.errors import ConfigError


def check_rules(repetition_penalty: float, no_repeat_ngram_size: int) -> None:
    """One-line ConfigErrors for a penalty <= 0 and an n-gram size < 0 (or not an int)."""
    if isinstance(repetition_penalty, bool) or not isinstance(repetition_penalty, (int, float)) \
            or not repetition_penalty > 0 or repetition_penalty == float("inf"):
        raise ConfigError(f"repetition_penalty (--repetition-penalty) must be a number > 0 (1 = off), "
                          f"got {repetition_penalty!r}")
    if isinstance(no_repeat_ngram_size, bool) or not isinstance(no_repeat_ngram_size, int) \
            or no_repeat_ngram_size < 0:
        raise ConfigError(f"no_repeat_ngram_size (--no-repeat-ngram-size) must be an int >= 0 (0 = off), "
                          f"got {no_repeat_ngram_size!r}")


def penalize_repetition(scores: torch.Tensor, history: torch.Tensor, penalty: float) -> torch.Tensor:
    """``scores`` B×V with the CTRL penalty on the ids of ``history`` B×L (each id once)."""
    if penalty == 1 or history.numel() == 0:
        return scores
    seen = torch.zeros_like(scores, dtype=torch.bool).scatter_(1, history, True)
    return torch.where(seen, torch.where(scores > 0, scores / penalty, scores * penalty), scores)


def ban_repeated_ngrams(scores: torch.Tensor, history: torch.Tensor, n: int) -> torch.Tensor:
    """``scores`` B×V with -inf on every id that would repeat an ``n``-gram of ``history`` B×L."""
    length = history.size(1)
    if n < 1 or length < n - 1 or length == 0:
        return scores
    windows = history.unfold(1, n, 1) if length >= n else history.new_zeros(history.size(0), 0, n)
    prefix = history[:, length - (n - 1):]                                   # B×(n-1)
    match = (windows[:, :, : n - 1] == prefix.unsqueeze(1)).all(-1)         # B×W
    banned = torch.zeros_like(scores, dtype=torch.bool)
    rows, cols = match.nonzero(as_tuple=True)
    banned[rows, windows[rows, cols, n - 1]] = True
    return scores.masked_fill(banned, float("-inf"))


def apply_rules(scores: torch.Tensor, history: torch.Tensor, repetition_penalty: float,
                no_repeat_ngram_size: int) -> torch.Tensor:
    """Both rules on ``scores`` B×V given ``history`` B×L. A row the rules would leave with
    no possible id (a tiny vocabulary, all banned) keeps its scores: decoding must go on."""
    out = ban_repeated_ngrams(penalize_repetition(scores, history, repetition_penalty), history,
                              no_repeat_ngram_size)
    dead = torch.isneginf(out).all(dim=1, keepdim=True)
    return torch.where(dead, scores, out) if bool(dead.any()) else out


def active(repetition_penalty: float, no_repeat_ngram_size: int) -> bool:
    return repetition_penalty != 1 or no_repeat_ngram_size > 0


class Constrained:
    """A ``Decoder`` whose scores obey the rules; its state is ``(inner state, history B×L)``.

    Start decoding from ``start(inner_state, history)``: ``history`` is each row's ids so far
    (LongTensor B×L, e.g. the prompt without its last id, which goes in as ``bos_id``).
    """

    def __init__(self, decoder, repetition_penalty: float = 1.0, no_repeat_ngram_size: int = 0):
        check_rules(repetition_penalty, no_repeat_ngram_size)
        self.decoder, self.penalty, self.ngram = decoder, repetition_penalty, no_repeat_ngram_size

    @staticmethod
    def start(state, history: torch.Tensor):
        return state, history

    def step(self, prev_ids: torch.Tensor, state):
        inner, history = state
        history = torch.cat([history.to(prev_ids.device), prev_ids.unsqueeze(1)], dim=1)
        log_probs, inner = self.decoder.step(prev_ids, inner)
        return apply_rules(log_probs, history, self.penalty, self.ngram), (inner, history)

    def reorder_state(self, state, index: torch.Tensor):
        inner, history = state
        return self.decoder.reorder_state(inner, index), history.index_select(0, index.to(history.device))


def constrained_chooser(choose: Callable[[torch.Tensor], torch.Tensor], history: list[int],
                        repetition_penalty: float = 1.0, no_repeat_ngram_size: int = 0):
    """``choose`` (log_probs 1×V -> LongTensor 1) for one row under the rules; ``history`` is
    the row's prompt ids (all of them: the chooser also sees every id it picks)."""
    check_rules(repetition_penalty, no_repeat_ngram_size)
    seen = list(history)

    def constrained(log_probs: torch.Tensor) -> torch.Tensor:
        past = torch.tensor([seen], dtype=torch.long, device=log_probs.device)
        ids = choose(apply_rules(log_probs, past, repetition_penalty, no_repeat_ngram_size))
        seen.extend(ids.tolist())
        return ids

    return constrained
