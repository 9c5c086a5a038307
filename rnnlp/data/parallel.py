"""Parallel text: aligned line files or a two-column table, and batches of (source, target) ids.

Aligned files hold one sentence a line (``.gz``, ``.bz2``, ``.xz`` read transparently); line i
of the target translates line i of the source, so their line counts must match. A table
(tsv/csv/jsonl/parquet, read with ``read_table``) holds both sides in two columns.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from dataclasses import dataclass
from typing import Sequence

import torch

from rnnlp.data.batching import Batch, Tensors, collate, pad
from rnnlp.data.readers import local_file, read_table, require_columns
from rnnlp.errors import DataError

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def read_lines(path, root: str | None = None) -> list[str]:
    """Lines of a text file (compressed by extension), without their line ends."""
    local = local_file(path, root, "text file")
    opener = _OPENERS.get(local.suffix.lower(), open)
    try:
        with opener(local, "rt", encoding="utf-8") as f:
            return f.read().splitlines()
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataError(f"cannot read {local} as UTF-8 text: {exc}") from None


def read_parallel_files(source, target, root: str | None = None) -> tuple[list[str], list[str]]:
    """Aligned sentence pairs from two line files; unequal line counts are a DataError."""
    src, tgt = read_lines(source, root), read_lines(target, root)
    if len(src) != len(tgt):
        raise DataError(f"source {source} has {len(src)} lines but target {target} has {len(tgt)}; "
                        "aligned files need one translation per line")
    return src, tgt


def read_parallel_table(path, source_column: str, target_column: str, format=None,
                        root: str | None = None) -> tuple[list[str], list[str]]:
    """Sentence pairs from two columns of a table (missing cells become empty strings)."""
    ds = read_table(path, format, root)
    require_columns(ds, path, source_column, target_column)
    text = lambda col: [v if isinstance(v, str) else ("" if v is None else str(v)) for v in ds[col]]  # noqa: E731
    return text(source_column), text(target_column)


def read_pairs(dcfg, split: str = "train", *, source=None, target=None, table=None):
    """(sources, targets) of one split of a ``ParallelDataConfig``: ``train``/``valid`` from the
    config's aligned files or two-column table, any other split from ``source``/``target`` or
    ``table``; None when the split has no data."""
    if split == "train":
        source, target, table = dcfg.source, dcfg.target, dcfg.train
    elif split == "valid":
        source, target, table = dcfg.valid_source, dcfg.valid_target, dcfg.valid
    if source or target:
        if not (source and target):
            flag = "--target" if source else "--source"
            raise DataError(f"{split} data: aligned files come in pairs; give {flag} too")
        return read_parallel_files(source, target, dcfg.root)
    if table:
        return read_parallel_table(table, dcfg.source_column, dcfg.target_column, dcfg.format, dcfg.root)
    return None


def drop_empty(source: list[str], target: list[str]) -> tuple[list[str], list[str], int]:
    """Pairs where both sides have text, and how many were dropped."""
    keep = [i for i, (s, t) in enumerate(zip(source, target)) if s.strip() and t.strip()]
    return [source[i] for i in keep], [target[i] for i in keep], len(source) - len(keep)


@dataclass
class ParallelBatch(Tensors):
    """Source ``Batch`` (ids B×S, lengths, mask) and the target framed by <bos>/<eos>.

    ``target_in`` (B×T) starts with <bos>; ``target_out`` (B×T) is the same shifted left,
    ending in <eos>, padded with -100 (ignored by the loss).
    """

    source: Batch
    target_in: torch.Tensor
    target_out: torch.Tensor

    @property
    def num_tokens(self) -> int:
        return int((self.target_out != -100).sum())


def collate_parallel(source: Sequence[Sequence[int]], target: Sequence[Sequence[int]],
                     pad_id: int = 0, bos_id: int = 2, eos_id: int = 3) -> ParallelBatch:
    """Pad source ids and frame target ids (which carry no <bos>/<eos> yet)."""
    target_in = pad([[bos_id, *t] for t in target], pad_id)
    target_out = pad([[*t, eos_id] for t in target], -100)
    return ParallelBatch(collate(source, pad_id=pad_id), target_in, target_out)
