"""Vectors files: load, save, convert between formats, and trim to a task's vocabulary."""

from __future__ import annotations

import json
import os

from rnnlp.embeddings.corpus import open_text
from rnnlp.errors import DataError
from rnnlp.embeddings.vectors import load_vectors, save_vectors


def load(path, format: str = "auto", limit: int | None = None, allow_pickle: bool = False):
    """Load vectors; see ``rnnlp.embeddings.vectors.load_vectors`` (formats, errors, pickle policy)."""
    return load_vectors(path, format=format, limit=limit, allow_pickle=allow_pickle)


def save(kv, path, format: str | None = None, allow_pickle: bool = False) -> None:
    """Save vectors atomically; see ``rnnlp.embeddings.vectors.save_vectors`` (``.bin``/``.txt``)."""
    save_vectors(kv, path, format=format, allow_pickle=allow_pickle)


def convert(src, dst, src_format: str = "auto", dst_format: str | None = None,
            allow_pickle: bool = False):
    """Rewrite the vectors in ``src`` into ``dst`` in another format; returns them.

    Formats: ``"glove"``, ``"word2vec"``, ``"word2vec_binary"``, ``"kv"`` (gensim pickle: read
    or written only with ``allow_pickle``). ``src_format="auto"`` detects it; ``dst_format``
    None picks it from ``dst``'s extension (``.bin``, ``.txt``).
    """
    kv = load(src, format=src_format, allow_pickle=allow_pickle)
    save(kv, dst, format=dst_format, allow_pickle=allow_pickle)
    return kv


def trim(kv, vocab_source, output=None, lowercase_fallback: bool = True):
    """The rows of ``kv`` a vocabulary needs, in ``kv``'s order; saved to ``output`` if given.

    A vocabulary word is served by its own row or, failing that and with
    ``lowercase_fallback``, by its lowercased word's row: the same lookup as
    ``rnnlp.embeddings.vectors.vectors_matrix``, so the trimmed file gives the same matrix.

    Args:
        vocab_source: a tokenizers JSON file, a ``.json`` file holding a list of words, or
            a text corpus (every whitespace-separated token of every line; ``.gz`` ok).

    Raises:
        DataError: a missing or unreadable vocab source, or one no word of which has a vector.
    """
    import numpy as np
    from gensim.models import KeyedVectors

    vocab = read_vocab(vocab_source)
    needed = _needed_rows(kv.key_to_index, vocab, lowercase_fallback)
    rows = np.array(sorted(needed), dtype=np.int64)  # kv's order: most frequent first
    if rows.size == 0:
        raise DataError(f"no word of vocab {vocab_source} has a vector; is it the right file?")
    trimmed = KeyedVectors(kv.vector_size, dtype=kv.vectors.dtype)
    trimmed.add_vectors([kv.index_to_key[i] for i in rows], kv.vectors[rows])
    if output is not None:
        save(trimmed, output)
    return trimmed


def _needed_rows(key_to_index: dict, vocab, lowercase_fallback: bool) -> set[int]:
    rows = set()
    for word in vocab:
        index = key_to_index.get(word)
        if index is None and lowercase_fallback:
            index = key_to_index.get(word.lower())
        if index is not None:
            rows.add(index)
    return rows


def read_vocab(source) -> list[str]:
    """The words of a vocab source (see ``trim``), without duplicates, in first-seen order."""
    if not os.path.isfile(source):
        raise DataError(f"vocab file {source} does not exist; check the path")
    if not str(source).endswith(".json"):
        with open_text(source) as lines:
            return list(dict.fromkeys(token for line in lines for token in line.split()))
    try:
        with open(source, encoding="utf-8") as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(
            f"vocab file {source} is not valid JSON ({e}); fix or regenerate it"
        ) from None
    return _json_vocab(data, source)


def _json_vocab(data, source) -> list[str]:
    if isinstance(data, list) and all(isinstance(w, str) for w in data):
        return list(dict.fromkeys(data))
    vocab = data.get("model", {}).get("vocab") if isinstance(data, dict) else None
    if isinstance(vocab, dict):  # tokenizers JSON (WordLevel/WordPiece/BPE): {token: id}
        return sorted(vocab, key=vocab.get)
    if isinstance(vocab, list):  # tokenizers Unigram: [[piece, score], ...]
        return [piece for piece, _ in vocab]
    raise DataError(
        f"vocab file {source} is neither a JSON list of words nor a tokenizers JSON with "
        f"model.vocab; pass one of those or a text corpus"
    )
