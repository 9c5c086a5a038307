"""Encoder-decoder models: ``encode`` gives a ``Memory``, ``start`` the first decoder state.

Seq2Seq (sentences) and ImageCaptioner (image grids) mean the same by both words::

    memory = model.encode(*inputs)        # Memory: one entry per source
    state = model.start(memory)           # {"memory", "source", ...per-row parts}
    log_probs, state = model.step(prev_ids, state)
    state = model.reorder_state(state, index)

so one batched driver (``rnnlp.decoding.batch``) decodes both. The state keeps the memory
once per source, not once per row: beam search's B·K rows find theirs through
``state["source"]``, and ``reorder_rows`` keeps the rows in equal blocks, one block per
memory entry, so attention scores each source's K queries in one matrix product (``attend``)
instead of copying the memory K times at every step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Protocol, runtime_checkable

import torch

from rnnlp.decoding.protocol import Decoder, index_state
from rnnlp.nn.attention import attend_grouped


@dataclass
class Memory:
    """What a decoder attends to, batch first: one entry per source (a sentence, an image).

    states: B×S×M, the positions attention reads.
    mask: B×S bool, True at real positions; None = all real (an image grid).
    summary: B×M, the encoder's final state that a bridge turns into the decoder's first
        state; None when the model starts from ``states`` alone.
    keys: B×S×A, additive attention's projection of ``states``, computed once by ``start``.
    """

    states: torch.Tensor
    mask: torch.Tensor | None = None
    summary: torch.Tensor | None = None
    keys: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.states.size(0)

    def select(self, index: torch.Tensor) -> Memory:
        """Entries ``index`` (LongTensor N, repeats allowed) of every tensor."""
        return replace(self, **{f.name: index_state(getattr(self, f.name), index) for f in fields(self)})

    def lengths(self) -> list[int]:
        """The real positions of each entry."""
        if self.mask is None:
            return [self.states.size(1)] * len(self)
        return self.mask.sum(dim=1).tolist()

    def attend(self, attention, query: torch.Tensor):
        """(context N×M, weights N×S) for queries N×Q in ``len(self)`` equal blocks of rows."""
        rows, blocks = query.size(0), len(self)
        context, weights = attend_grouped(attention, query.view(blocks, rows // blocks, -1), self.states,
                                          self.mask, self.keys)
        return context.reshape(rows, -1), weights.reshape(rows, -1)


@runtime_checkable
class EncoderDecoder(Decoder, Protocol):
    """A ``Decoder`` that reads sources: ``encode(*inputs) -> Memory``, ``start(Memory) -> state``.

    Its state is a dict holding ``memory`` (the Memory, one entry per source), ``source``
    (LongTensor N: the entry each row reads) and per-row parts; after a step it holds the
    step's attention ``weights`` N×S.
    """

    def encode(self, *inputs: Any) -> Memory:
        ...

    def start(self, memory: Memory) -> dict:
        ...


def first_state(memory: Memory, **rows) -> dict:
    """The state of ``start``: ``memory``, one row per entry (``source``), and the ``rows`` parts."""
    source = torch.arange(len(memory), device=memory.states.device)
    return {**rows, "memory": memory, "source": source}


def reorder_rows(state: dict, index: torch.Tensor, batch_dims: dict[str, int] | None = None) -> dict:
    """Rows ``index`` of a ``start`` state: per-row parts selected, the memory shared.

    ``batch_dims`` names the parts whose batch is not dim 0 (a torch RNN state: 1). Rows that
    come in equal blocks per source (beam expansion, followed beams, finished sentences
    dropped) keep one memory entry per block; any other order (N captions of B images) gets
    a copy of the memory per row, once.
    """
    source = state["source"][index.to(state["source"].device)]
    memory, source = _regroup(state["memory"], source)
    dims = batch_dims or {}
    rows = {key: index_state(value, index, dims.get(key, 0)) for key, value in state.items()
            if key not in ("memory", "source")}
    return {**rows, "memory": memory, "source": source}


def _regroup(memory: Memory, source: torch.Tensor) -> tuple[Memory, torch.Tensor]:
    entries, block_of_row, sizes = torch.unique_consecutive(source, return_inverse=True, return_counts=True)
    if not bool((sizes == sizes[0]).all()):
        return memory.select(source), torch.arange(source.numel(), device=source.device)
    every = torch.arange(len(memory), device=entries.device)
    if len(entries) != len(memory) or not torch.equal(entries, every):  # some left, or a new order
        memory = memory.select(entries)
    return memory, block_of_row
