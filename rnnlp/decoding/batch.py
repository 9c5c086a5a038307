"""The one batched decode of an encoder-decoder (translation, captioning).

Sources are put in order (by length, when lengths are given, so a batch pads little), cut
into batches, encoded (``encode(indices) -> Memory``, which the task writes: it knows how to
collate its inputs), started (``model.start``), decoded greedily or with beam search, and
put back in input order. A source's output does not depend on the others in its batch: the
memory mask hides padding and every source has its own length limit.

Greedy decoding can also return each source's attention weights (steps × source
positions, the step that produced ``eos_id`` included), for a plot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from rnnlp.data.batching import advanced
from rnnlp.decoding.beam import beam_search
from rnnlp.decoding.memory import EncoderDecoder, Memory
from rnnlp.decoding.sampling import greedy
from rnnlp.errors import ConfigError


@dataclass
class Decoded:
    """One source's result: ``n_best`` (ids, score) pairs, best first; greedy scores are 0.

    ``attention`` (greedy, when asked) is steps × S float32: row t is the weights over the
    S real source positions with which output token t (or the final ``eos_id``) was chosen.
    """

    hypotheses: list[tuple[list[int], float]]
    attention: np.ndarray | None = None


@torch.no_grad()
def decode_batched(model: EncoderDecoder, count: int, encode: Callable[[list[int]], Memory], *,
                   bos_id: int, eos_id: int, max_len: int | Sequence[int], beam_size: int = 1,
                   n_best: int = 1, length_penalty: float = 0.0, batch_size: int = 64,
                   lengths: Sequence[int] | None = None, attention: bool = False) -> list[Decoded]:
    """Decode ``count`` sources, ``batch_size`` at a time; results in input order.

    Args:
        model: an ``EncoderDecoder`` (a module in eval mode: dropout off).
        count: the number of sources.
        encode: source indices (a list) -> their ``Memory``, on the model's device.
        max_len: most generated tokens (``eos_id`` included): one int, or one per source.
        beam_size, n_best, length_penalty: as ``beam_search``; beam 1 with n_best 1 is greedy.
        lengths: source lengths to batch similar ones together (None: input order).
        attention: also return greedy decoding's attention weights.

    Raises:
        ConfigError: attention with beam search; bad beam options (see ``beam_search``).
    """
    searching = beam_size > 1 or n_best > 1
    if attention and searching:
        raise ConfigError("attention weights come with greedy decoding: use beam size 1 and n-best 1")
    limits = [max_len] * count if isinstance(max_len, int) else [int(n) for n in max_len]
    order = np.arange(count) if lengths is None else np.argsort(lengths, kind="stable")
    out: list = [None] * count
    for start in range(0, count, batch_size):
        chunk = order[start: start + batch_size].tolist()
        memory, chunk_limits = encode(chunk), [limits[i] for i in chunk]
        if searching:
            found = _beam(model, memory, chunk_limits, bos_id, eos_id, beam_size, n_best, length_penalty)
        else:
            found = _greedy(model, memory, chunk_limits, bos_id, eos_id, attention)
        for i, decoded in zip(chunk, found):
            out[i] = decoded
        advanced(len(chunk), "input")
    return out


def _beam(model, memory: Memory, limits, bos_id, eos_id, beam_size, n_best, length_penalty) -> list[Decoded]:
    found = beam_search(model, model.start(memory), bos_id=bos_id, eos_id=eos_id, beam_size=beam_size,
                        max_len=limits, length_penalty=length_penalty, n_best=n_best, batch_size=len(memory))
    return [Decoded(hyps) for hyps in found]


def _greedy(model, memory: Memory, limits, bos_id, eos_id, attention: bool) -> list[Decoded]:
    decoder = _Recorder(model) if attention else model
    rows = greedy(decoder, model.start(memory), bos_id, eos_id, max(limits), len(memory))
    found = [Decoded([(row[:limit], 0.0)]) for row, limit in zip(rows, limits)]
    if attention:
        weights = torch.stack(decoder.weights, dim=1).float().cpu().numpy()  # N×T×S
        for b, (decoded, row, limit, width) in enumerate(zip(found, rows, limits, memory.lengths())):
            decoded.attention = weights[b, : min(len(row) + 1, limit), :width]
    return found


class _Recorder:
    """The model as a decoder that keeps each step's attention weights (``state["weights"]``)."""

    def __init__(self, model):
        self.model, self.weights = model, []

    def step(self, prev_ids: torch.Tensor, state: dict):
        log_probs, state = self.model.step(prev_ids, state)
        self.weights.append(state["weights"])
        return log_probs, state

    def reorder_state(self, state: dict, index: torch.Tensor) -> dict:
        return self.model.reorder_state(state, index)
