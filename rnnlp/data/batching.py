"""The batch contract (batch-first), collate, and the length-bucketed batch sampler.

Bucketing sorts examples by length inside large shuffled pools, cuts batches there, then
shuffles the batch order: little padding, still random. benchmarks/sentiment_throughput.py
measures it against random-order padded batches (benchmarks/results/sentiment.md).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from typing import Callable, Iterator, Optional, Sequence

import numpy as np
import torch
import torch.distributed as dist


_ADVANCE: ContextVar[Optional[Callable[[int, str], None]]] = ContextVar("rnnlp_progress", default=None)


@contextmanager
def progress(advance: Callable[[int, str], None]):
    """While inside, the inference loops (``by_length``, the decoders' chunks, the language
    model's streams, the recommender's scoring) call ``advance(n, unit)`` after each chunk of
    ``n`` units done: ``rnnlp evaluate``'s progress bar, whatever the task."""
    token = _ADVANCE.set(advance)
    try:
        yield
    finally:
        _ADVANCE.reset(token)


def advanced(n: int, unit: str = "example") -> None:
    """Report ``n`` more units done to the ``progress`` around this call, if any."""
    advance = _ADVANCE.get()
    if advance is not None:
        advance(n, unit)


def rank_share(n: int, rank: int, world_size: int) -> slice:
    """The rows of a global batch of ``n`` that rank ``rank`` of ``world_size`` trains on: an
    equal contiguous slice (the one place where data is split between torchrun ranks)."""
    rows = np.array_split(np.arange(n), world_size)[rank]
    return slice(int(rows[0]), int(rows[-1]) + 1) if len(rows) else slice(0, 0)


class Tensors:
    """The one batch type every task's batches are: a dataclass of named tensors (or None, or a
    nested batch) plus ``lengths``. ``to`` moves every field but those of ``CPU`` (lengths and
    positions stay on the CPU, where packing and scattering read them); ``num_tokens`` (what
    ``fit`` counts as throughput) is the sum of ``lengths`` unless a task says otherwise."""

    CPU = ("lengths", "target_lengths", "index")

    def _map(self, fn):
        return replace(self, **{f.name: fn(getattr(self, f.name)) for f in fields(self) if f.name not in self.CPU})

    def to(self, device):
        return self._map(lambda t: t if t is None else t.to(device, non_blocking=True) if torch.is_tensor(t)
                         else t.to(device))

    def pin_memory(self):
        """Page-locked copies, so ``to(cuda, non_blocking=True)`` overlaps with compute."""
        return self._map(lambda t: t if t is None else t.pin_memory())

    @property
    def num_tokens(self) -> int:
        return int(self.lengths.sum())


@dataclass
class Batch(Tensors):
    ids: torch.Tensor                # B×T long, padded with pad_id
    lengths: torch.Tensor            # B long (CPU)
    mask: torch.Tensor               # B×T bool, True at real tokens
    targets: Optional[torch.Tensor]  # B (classes) or B×T (tags / next tokens)
    index: Optional[torch.Tensor] = None  # B: positions of the examples in the dataset


def pad(seqs: Sequence[Sequence[int]], pad_id: int = 0, length: int | None = None) -> torch.Tensor:
    """Right-pad lists of ids into a B×T long tensor."""
    length = length or max((len(s) for s in seqs), default=0) or 1
    out = np.full((len(seqs), length), pad_id, dtype=np.int64)
    for row, seq in enumerate(seqs):
        out[row, : len(seq)] = seq
    return torch.from_numpy(out)


def collate(seqs: Sequence[Sequence[int]], targets=None, pad_id: int = 0, index=None) -> Batch:
    """Pad a list of id lists (+ class targets, or per-token target lists padded with -100)."""
    ids = pad(seqs, pad_id)
    lengths = torch.tensor([max(len(s), 1) for s in seqs], dtype=torch.long)
    mask = torch.arange(ids.size(1)).unsqueeze(0) < lengths.unsqueeze(1)
    if targets is not None and len(targets) and isinstance(targets[0], (list, tuple, np.ndarray)):
        targets = pad(targets, -100, ids.size(1))
    elif targets is not None:
        targets = torch.as_tensor(np.asarray(targets))
    idx = torch.as_tensor(index) if index is not None else None
    return Batch(ids, lengths, mask, targets, idx)


class BucketBatcher:
    """Yields lists of example indices: length-bucketed (default) or random-order batches.

    Args:
        lengths: length of each example.
        batch_size: examples per batch.
        shuffle: reshuffle every epoch (training); False gives a fixed order (evaluation).
        bucket: sort by length inside pools of ``pool_batches`` batches.
        seed: base seed; epoch ``e`` uses ``seed + e`` so runs repeat exactly.
        rank, world_size: under torchrun (default: read from torch.distributed for training
            batchers), every rank sees the same global batches and keeps its slice of each.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, *, shuffle: bool = True,
                 bucket: bool = True, seed: int = 0, pool_batches: int = 50,
                 rank: int | None = None, world_size: int | None = None):
        self.lengths = np.asarray(lengths)
        if world_size is None and shuffle and dist.is_available() and dist.is_initialized():
            rank, world_size = dist.get_rank(), dist.get_world_size()
        self.rank, self.world_size = rank or 0, world_size or 1
        self.batch_size = batch_size
        self.shuffle, self.bucket, self.seed = shuffle, bucket, seed
        self.pool = batch_size * pool_batches
        self.epoch = 0

    def __len__(self) -> int:
        return (len(self.lengths) + self.batch_size - 1) // self.batch_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def batches(self) -> list[np.ndarray]:
        """All batches of the current epoch, in order."""
        rng = np.random.default_rng(self.seed + self.epoch)
        order = rng.permutation(len(self.lengths)) if self.shuffle else np.arange(len(self.lengths))
        if self.bucket:
            pools = [order[i: i + self.pool] for i in range(0, len(order), self.pool)]
            # stable sort keeps the shuffled order among equal lengths
            order = np.concatenate([p[np.argsort(self.lengths[p], kind="stable")] for p in pools])
        out = [order[i: i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if self.shuffle and self.bucket:
            out = [out[i] for i in rng.permutation(len(out))]
        if self.world_size > 1:
            # each rank takes an equal contiguous slice of every global batch
            out = [b[rank_share(len(b), self.rank, self.world_size)] for b in out]
        return out

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.batches())


# -- inference: one loop for every task that predicts ---------------------------------------
def length_chunks(lengths: Sequence[int], size: int, longest_first: bool = False) -> Iterator[np.ndarray]:
    """Index arrays of at most ``size`` examples of similar length (a stable sort by length:
    little padding, and a fixed order for equal inputs)."""
    key = np.asarray(lengths, dtype=np.int64)
    order = np.argsort(-key if longest_first else key, kind="stable")
    for start in range(0, len(order), size):
        yield order[start: start + size]


def by_length(model, items: Sequence, size: int, run, lengths: Sequence[int] | None = None) -> list:
    """``run(chunk)`` over chunks of ``size`` items of similar length (``len(item)``, or
    ``lengths``), with ``model`` in eval mode and no gradients (its mode restored after), each
    call returning one result per item; the results come back in input order."""
    out: list = [None] * len(items)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for idx in length_chunks([len(x) for x in items] if lengths is None else lengths, size):
            for i, found in zip(idx, run([items[i] for i in idx])):
                out[i] = found
            advanced(len(idx))
    model.train(was_training)
    return out


def epoch_batches(batcher, make):
    """``batches(epoch)`` for ``fit``: the batcher's index lists of that epoch (its own seeded
    order), each turned into a batch by ``make(idx, epoch)``. The one epoch iterator of the tasks."""
    def batches(epoch: int):
        batcher.set_epoch(epoch)
        for idx in batcher:
            yield make(idx, epoch)
    return batches
