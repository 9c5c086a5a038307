"""Contiguous stream batching for language models (truncated BPTT).

The corpus is one long sequence of ids. ``StreamBatcher`` cuts it into ``batch_size``
contiguous streams, one per batch row, and walks down all streams together ``bptt`` steps
at a time, so the state a row ends one batch with is the right state to start its next
batch with (the training loop carries it over, detached).

Row b covers tokens ``[starts[b], starts[b+1]]``: neighbouring streams share one boundary
token, the last target of one row and the first input of the next. Every token but the
first of the corpus is therefore a target exactly once per epoch; prepend ``<bos>`` to the
corpus to score its first token too. When the number of targets does not divide by the
number of rows, the first rows are one token longer and the last batch masks the short
rows' extra position (target -100, ``mask`` False).

``random_bptt`` follows AWD-LSTM (Merity et al. 2017): each batch is ``bptt`` steps long
with probability 0.95, else ``bptt / 2``, jittered by N(0, 5) and at least 5 steps, so
the cut points move from epoch to epoch.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np
import torch

from rnnlp.data.batching import Batch
from rnnlp.data.readers import resolve_path
from rnnlp.errors import ConfigError, DataError

if TYPE_CHECKING:
    from rnnlp.text.pipeline import TextPipeline


def stream_rows(ids: torch.Tensor, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Lay ``ids`` (LongTensor N) out as rows sharing their boundary tokens.

    Returns:
        ``rows`` LongTensor B×(L+1), padded with 0, and ``lengths`` LongTensor B: the number of
        targets of each row (L or L-1); the row's inputs are ``rows[b, :lengths[b]]``.
    """
    targets = len(ids) - 1
    if targets < batch_size:
        from rnnlp.errors import DataError
        raise DataError(f"the text has {len(ids)} tokens: too few for {batch_size} streams of at "
                        "least one step; lower the batch size or give more text")
    base, extra = divmod(targets, batch_size)
    lengths = torch.full((batch_size,), base, dtype=torch.long)
    lengths[:extra] += 1
    starts = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)])  # B+1
    rows = torch.zeros(batch_size, int(lengths.max()) + 1, dtype=torch.long)
    for b in range(batch_size):
        rows[b, : lengths[b] + 1] = ids[starts[b]: starts[b + 1] + 1]
    return rows, lengths


class StreamBatcher:
    """Yields ``Batch``es (ids B×T, targets B×T, mask, lengths = real targets per row).

    Args:
        ids: LongTensor N, the whole corpus.
        batch_size: B, the number of parallel streams.
        bptt: steps per batch.
        random_bptt: vary the length per batch (see module docstring); off for evaluation.
        seed: base seed; epoch ``e`` uses ``seed + e``.
    """

    def __init__(self, ids: torch.Tensor, batch_size: int, bptt: int, *, random_bptt: bool = False,
                 seed: int = 0):
        if bptt < 1:
            from rnnlp.errors import ConfigError
            raise ConfigError(f"bptt must be >= 1, got {bptt}")
        self.rows, self.lengths = stream_rows(torch.as_tensor(ids, dtype=torch.long), batch_size)
        self.bptt, self.random_bptt, self.seed = bptt, random_bptt, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        """Batches per epoch (expected value when ``random_bptt``)."""
        return -(-int(self.lengths.max()) // self.bptt)

    def spans(self) -> list[tuple[int, int]]:
        """(start, end) steps of the epoch's batches."""
        rng = np.random.default_rng(self.seed + self.epoch)
        total, out, start = int(self.lengths.max()), [], 0
        while start < total:
            steps = self._length(rng) if self.random_bptt else self.bptt
            out.append((start, min(start + steps, total)))
            start += steps
        return out

    def _length(self, rng) -> int:
        base = self.bptt if rng.random() < 0.95 else self.bptt / 2
        return max(5, int(round(rng.normal(base, 5))))

    def __iter__(self) -> Iterator[Batch]:
        for start, end in self.spans():
            ids = self.rows[:, start:end]  # B×T
            targets = self.rows[:, start + 1: end + 1].clone()  # B×T
            steps = torch.arange(start, end).unsqueeze(0)  # 1×T
            mask = steps < self.lengths.unsqueeze(1)  # B×T
            targets[~mask] = -100
            lengths = mask.sum(1)
            yield Batch(ids, lengths, mask, targets)


# -- the corpus: one text file as one stream of ids ---------------------------------------
def read_text(path, root: str | None = None) -> str:
    """The whole text of a plain (or ``.gz``) file; a missing or empty file is a DataError."""
    local = Path(resolve_path(path, root))
    if not local.is_file():
        raise DataError(f"file not found: {path}; check the path (relative paths are also looked up "
                        "under --data-root / $RNNLP_DATA)")
    opener = gzip.open if local.suffix == ".gz" else open
    try:
        with opener(local, "rt", encoding="utf-8") as f:
            text = f.read()
    except (UnicodeDecodeError, OSError) as exc:
        raise DataError(f"cannot read {local} as UTF-8 text ({type(exc).__name__}); give a plain "
                        "text file") from None
    if not text.strip():
        raise DataError(f"{local} holds no text")
    return text


def read_corpus(path, root: str | None = None, column: str | None = None) -> str:
    """``read_text``, or with ``column`` the texts of that column of a table, one a line
    (a classifier's training data as an LM corpus: ULMFiT's target-domain text)."""
    if column is None:
        return read_text(path, root)
    from rnnlp.data.readers import read_table, require_columns

    table = read_table(path, None, root)
    require_columns(table, path, column)
    return "".join(f"{t}\n" for t in table[column] if isinstance(t, str) and t.strip())


def split_lines(text: str, eos: bool) -> list[str]:
    """Lines without their newline (eos marks them) or with it (it is a character)."""
    return text.splitlines() if eos else text.splitlines(keepends=True)


def encode_stream(pipeline: TextPipeline, text: str, eos: bool) -> torch.Tensor:
    """``<bos>`` + the ids of every line (each followed by ``<eos>`` when ``eos``): LongTensor N."""
    lines = split_lines(text, eos)
    chunks = [np.asarray(ids, dtype=np.int64) for ids in pipeline.encode_batch(lines, eos=eos)]
    return torch.from_numpy(np.concatenate([np.array([pipeline.bos_id])] + chunks))


def hold_out(text: str, fraction: float) -> tuple[str, str]:
    """(first part, last ``fraction``), cut at the line start nearest the cut point."""
    if not 0 < fraction < 1:
        raise ConfigError(f"data.valid_fraction must be in (0, 1) when no --valid file is given, "
                          f"got {fraction}")
    cut = int(len(text) * (1 - fraction))
    newline = text.rfind("\n", 0, cut)
    cut = newline + 1 if newline > 0 else cut
    return text[:cut], text[cut:]
