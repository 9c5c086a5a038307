"""CTC decoding: greedy (best path) and prefix beam search over T×V log-probabilities.

Label 0 is the blank. A CTC alignment maps to a label sequence by merging repeats and then
dropping blanks; the probability of a sequence is the sum over its alignments. Greedy decoding
collapses the most probable alignment; prefix beam search (Hannun et al. 2014, "First-pass large
vocabulary continuous speech recognition using bi-directional recurrent DNNs", algorithm 1,
without a language model) keeps the ``beam_size`` most probable prefixes, each scored by the
sum over the alignments that produce it, split into those ending in a blank and those not.
"""

from __future__ import annotations

import math

import numpy as np

BLANK = 0
_NEG = -math.inf


def collapse(path) -> list[int]:
    """An alignment's label sequence: repeats merged, then blanks dropped."""
    out, prev = [], None
    for label in path:
        label = int(label)
        if label != prev and label != BLANK:
            out.append(label)
        prev = label
    return out


def greedy(log_probs: np.ndarray) -> list[int]:
    """The labels of the best path through T×V ``log_probs``."""
    return collapse(np.asarray(log_probs).argmax(axis=1))


def _add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) for Python floats (numpy's scalar call is ten times slower here)."""
    if a < b:
        a, b = b, a
    return a if b == _NEG else a + math.log1p(math.exp(b - a))


def prefix_beam_search(log_probs: np.ndarray, beam_size: int = 8, prune: float = -12.0) -> list[tuple]:
    """The ``beam_size`` best ``(labels tuple, log probability)`` of T×V ``log_probs``, best first.

    Labels whose log-probability at a frame is below ``prune`` (and not the frame's best) are
    skipped there: they cannot change a beam of probable prefixes and cost most of the time."""
    log_probs = np.asarray(log_probs, dtype=np.float64)
    rows = log_probs.tolist()
    beams = {(): (0.0, _NEG)}  # prefix -> (log P ending in blank, log P ending in a label)
    for array, frame in zip(log_probs, rows):
        candidates = [int(v) for v in np.flatnonzero(array >= min(prune, array.max())) if v != BLANK]
        nxt: dict = {}
        for prefix, (p_b, p_nb) in beams.items():
            total = _add(p_b, p_nb)
            b, nb = nxt.get(prefix, (_NEG, _NEG))
            # blank, or the prefix's last label repeated (merged into it)
            nb = _add(nb, p_nb + frame[prefix[-1]]) if prefix else nb
            nxt[prefix] = (_add(b, total + frame[BLANK]), nb)
            for v in candidates:
                longer = prefix + (v,)
                # a repeat of the last label only extends the prefix after a blank
                via = p_b if prefix and v == prefix[-1] else total
                if via == _NEG:
                    continue
                b2, nb2 = nxt.get(longer, (_NEG, _NEG))
                nxt[longer] = (b2, _add(nb2, via + frame[v]))
        beams = dict(sorted(nxt.items(), key=lambda kv: -_add(*kv[1]))[:beam_size])
    return [(prefix, _add(*scores)) for prefix, scores in beams.items()]


def decode(log_probs: np.ndarray, beam_size: int = 1) -> list[int]:
    """Greedy for ``beam_size`` 1, else the best prefix of the beam search."""
    if beam_size <= 1:
        return greedy(log_probs)
    return list(prefix_beam_search(log_probs, beam_size)[0][0])
