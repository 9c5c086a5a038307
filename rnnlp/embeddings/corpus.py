"""A text corpus as a restartable stream of token lists, for gensim's multi-pass training.

gensim reads the corpus once to build the vocabulary and once per epoch, so the corpus must
be an iterable that starts over on each ``iter()``, never a one-shot generator. Lines are read
lazily: a file larger than memory works.
"""

from __future__ import annotations

import gzip
import os
from itertools import islice

from rnnlp.errors import DataError

# gensim's Cython trainer silently drops words past 10,000 in one sentence; split instead.
MAX_SENTENCE_LENGTH = 10_000
_ENCODE_BATCH = 1_000  # lines per tokenizers.encode_batch call: fast and small in memory


def open_text(path):
    """Open a UTF-8 text file (``.gz`` decompressed) for reading; DataError if missing."""
    if not os.path.isfile(path):
        raise DataError(f"corpus file {path} does not exist; check the path")
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


class LineCorpus:
    """Iterating yields each non-empty line of ``path`` as a list of tokens.

    Tokens come from whitespace splitting, or from the tokenizers JSON ``pipeline`` (its
    token strings, without special tokens) when given. Lines longer than
    ``MAX_SENTENCE_LENGTH`` tokens are yielded in pieces.
    """

    def __init__(self, path, pipeline=None):
        self.path = path
        self.tokenizer = _load_tokenizer(pipeline) if pipeline else None
        open_text(path).close()  # fail now, not inside gensim's worker threads

    def __iter__(self):
        with open_text(self.path) as lines:
            for tokens in self._tokenize(lines):
                for start in range(0, len(tokens), MAX_SENTENCE_LENGTH):
                    yield tokens[start:start + MAX_SENTENCE_LENGTH]

    def _tokenize(self, lines):
        if self.tokenizer is None:
            return (tokens for tokens in (line.split() for line in lines) if tokens)
        return self._tokenize_with_pipeline(lines)

    def _tokenize_with_pipeline(self, lines):
        while batch := [line.rstrip("\n") for line in islice(lines, _ENCODE_BATCH)]:
            for encoding in self.tokenizer.encode_batch(batch, add_special_tokens=False):
                if encoding.tokens:
                    yield encoding.tokens


def _load_tokenizer(path):
    from tokenizers import Tokenizer

    if not os.path.isfile(path):
        raise DataError(f"pipeline file {path} does not exist; pass a tokenizers JSON file")
    try:
        return Tokenizer.from_file(str(path))
    except Exception as e:  # tokenizers raises a bare Exception for any bad JSON
        raise DataError(
            f"cannot load tokenizer pipeline {path}: {e}; pass a tokenizers JSON"
        ) from None
