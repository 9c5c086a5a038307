"""Batched beam search: every sentence and every beam advance together as B·K rows.

At each step the K live beams of a sentence propose K·V continuations; the best 2K are
looked at. Those among the best K that end (``eos_id``, or the sentence's ``max_len``)
become finished hypotheses, set aside with their length-normalised score; the best K that
do not end become the next beams. Taking 2K guarantees K survivors, because at most K of the
candidates can be ``eos_id`` (one per beam).

A sentence stops when no live beam can still beat its ``n_best``-th finished hypothesis:
log-probs are <= 0, so a live score only falls, and the length penalty can at most grow to
its value at ``max_len``. With ``beam_size`` at least the number of live prefixes the
search is exhaustive, hence exact; with ``beam_size`` 1 it is greedy decoding.

Scores: ``log p(y) / lp(|y|)`` with the GNMT penalty lp(n) = ((5 + n) / 6) ** alpha (Wu et
al. 2016); alpha = 0 gives the plain log-probability. |y| counts generated tokens, the
``eos_id`` included.
"""

import torch

from rnnlp.decoding.protocol import Decoder, first_ids
from rnnlp.errors import ConfigError


def gnmt_length_penalty(length: int, alpha: float) -> float:
    """((5 + length) / 6) ** alpha; 1 when alpha == 0."""
    return ((5.0 + length) / 6.0) ** alpha


def beam_search(decoder: Decoder, state, *, bos_id, eos_id: int, beam_size: int, max_len,
                length_penalty: float = 0.0, n_best: int = 1, batch_size: int = 1
                ) -> list[list[tuple[list[int], float]]]:
    """The ``n_best`` highest-scoring sequences per sentence.

    Every argument after ``state`` is keyword-only.

    Args:
        decoder: a ``Decoder``; its ``reorder_state`` expands B rows to B·K and follows beams.
        state: initial state for ``batch_size`` rows (may be None).
        bos_id: first input id: int, or LongTensor B (see ``greedy`` for the device).
        eos_id: the id that ends a hypothesis.
        beam_size: K >= 1.
        max_len: most generated tokens (``eos_id`` included): int, or B ints (list/tensor),
            e.g. a multiple of each source length.
        length_penalty: GNMT alpha (0 = none; ~0.6 favours longer outputs).
        n_best: hypotheses returned per sentence, 1 <= n_best <= beam_size.
        batch_size: B, the rows in ``state``.

    Returns:
        B lists of up to ``n_best`` (ids, score) pairs, best first; ids exclude ``bos_id``
        and ``eos_id``; score is the length-normalised log-probability.

    Raises:
        ConfigError: beam_size < 1, n_best outside [1, beam_size], or a max_len < 1.
    """
    limits = _check(beam_size, n_best, max_len, batch_size)
    k = beam_size
    prev = first_ids(bos_id, batch_size, state).repeat_interleave(k)  # B·K
    device = prev.device
    expand = torch.arange(batch_size, device=device).repeat_interleave(k)  # B -> B·K rows
    state = decoder.reorder_state(state, expand)
    limit = torch.tensor(limits, device=device)
    history = torch.zeros(batch_size, k, 0, dtype=torch.long, device=device)  # B×K×t
    finished = [[] for _ in range(batch_size)]
    scores = None
    alive = list(range(batch_size))  # sentences still searching; finished ones leave the batch
    for t in range(max(limits)):
        log_probs, state = decoder.step(prev, state)  # A·K×V
        if scores is None:
            scores = _initial_scores(batch_size, k, log_probs)
        top, beam, token = _candidates(scores, log_probs, k)  # A×2K each
        ending = (token == eos_id) | (t + 1 >= limit).unsqueeze(1)
        fin, live = [finished[j] for j in alive], [False] * len(alive)
        _finish(fin, live, history, top, beam, token, ending, k, eos_id, length_penalty)
        scores, beam, token = _survivors(top, beam, token, ending, k)
        history = torch.cat([history.gather(1, beam.unsqueeze(2).expand(-1, -1, t)),
                             token.unsqueeze(2)], dim=2)
        _update_done(live, fin, scores[:, 0].tolist(), t, [limits[j] for j in alive], n_best, length_penalty)
        keep = [i for i, is_done in enumerate(live) if not is_done]
        if not keep:
            break
        rows = torch.arange(len(alive), device=device).unsqueeze(1) * k + beam  # A×K
        if len(keep) < len(alive):  # drop finished sentences: no more steps spent on them
            index = torch.tensor(keep, device=device)
            rows, scores, history, limit, token = (x[index] for x in (rows, scores, history, limit, token))
            alive = [alive[i] for i in keep]
        state, prev = decoder.reorder_state(state, rows.reshape(-1)), token.reshape(-1)
    return [sorted(hyps, key=lambda hyp: -hyp[1])[:n_best] for hyps in finished]


def _check(beam_size: int, n_best: int, max_len, batch_size: int) -> list[int]:
    if beam_size < 1:
        raise ConfigError(f"beam_size must be >= 1, got {beam_size}")
    if not 1 <= n_best <= beam_size:
        raise ConfigError(f"n_best must be in [1, beam_size={beam_size}], got {n_best}")
    if isinstance(max_len, int):
        limits = [max_len] * batch_size
    else:
        limits = [int(n) for n in (max_len.tolist() if torch.is_tensor(max_len) else max_len)]
    if len(limits) != batch_size or min(limits) < 1:
        raise ConfigError(f"max_len must be >= 1, one int or one per sentence ({batch_size}); "
                          f"got {limits}")
    return limits


def _initial_scores(batch_size: int, k: int, log_probs: torch.Tensor) -> torch.Tensor:
    # All K beams start as the same empty prefix: only beam 0 may expand, or the first step
    # would offer every continuation K times.
    scores = log_probs.new_full((batch_size, k), float("-inf"))
    scores[:, 0] = 0.0
    return scores


def _candidates(scores: torch.Tensor, log_probs: torch.Tensor, k: int):
    """The best min(2K, K·V) continuations per sentence: (score, beam, token), each B×2K."""
    vocab = log_probs.shape[-1]
    total = (scores.reshape(-1, 1) + log_probs).reshape(scores.shape[0], k * vocab)  # B×K·V
    top, index = total.topk(min(2 * k, k * vocab), dim=1)
    return top, index // vocab, index % vocab


def _survivors(top, beam, token, ending, k: int):
    """The best K candidates that do not end (sorted); -inf scores where there are fewer."""
    scores, pick = top.masked_fill(ending, float("-inf")).topk(k, dim=1)
    return scores, beam.gather(1, pick), token.gather(1, pick)


def _finish(finished, done, history, top, beam, token, ending, k, eos_id, alpha) -> None:
    """Set aside the ending candidates among the best K of each sentence still searching."""
    length = history.shape[2] + 1
    penalty = gnmt_length_penalty(length, alpha)
    ends = ending[:, :k] & torch.isfinite(top[:, :k])
    for b, rank in ends.nonzero().tolist():
        if done[b]:
            continue
        ids = history[b, beam[b, rank]].tolist()
        last = int(token[b, rank])
        if last != eos_id:  # stopped by max_len: the last token is part of the output
            ids.append(last)
        finished[b].append((ids, float(top[b, rank]) / penalty))


def _update_done(done, finished, best_live, t, limits, n_best, alpha) -> None:
    """Mark sentences whose ``n_best`` finished hypotheses no live beam can beat."""
    for b, hyps in enumerate(finished):
        if done[b]:
            continue
        if t + 1 >= limits[b] or best_live[b] == float("-inf"):
            done[b] = True
        elif len(hyps) >= n_best:
            # Largest penalty any continuation (length t+2 .. limit) can get; lp is monotonic.
            penalty = max(gnmt_length_penalty(t + 2, alpha), gnmt_length_penalty(limits[b], alpha))
            nth_best = sorted((score for _, score in hyps), reverse=True)[n_best - 1]
            done[b] = nth_best >= best_live[b] / penalty
