"""Readers, bundled samples, batching (``Batch``, collate, length-bucketed sampler)."""

from rnnlp.data.batching import Batch, BucketBatcher, collate
from rnnlp.data.readers import read_table, resolve_path, sample_path

__all__ = ["Batch", "BucketBatcher", "collate", "read_table", "resolve_path", "sample_path"]
