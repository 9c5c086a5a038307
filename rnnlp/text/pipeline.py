"""``TextPipeline``: text <-> ids through one HF ``tokenizers.Tokenizer``, saved as one JSON.

Levels: ``word`` (WordLevel over whitespace/punctuation words), ``char`` (every character a
token) and ``bpe`` (byte-pair encoding with a Metaspace pre-tokenizer, lossless on decode).
Special tokens always take the first ids: ``<pad>`` 0, ``<unk>`` 1, ``<bos>`` 2, ``<eos>`` 3.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from rnnlp.errors import ConfigError, DataError

SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
PAD, UNK, BOS, EOS = range(4)


def _normalizer(lowercase: bool, replace: Sequence[Sequence[str]] = ()):
    """NFKC, then lowercasing, then each ``[pattern, replacement]`` of ``replace`` in order (a
    regular expression and the literal text that takes each match's place)."""
    steps = [normalizers.NFKC()] + ([normalizers.Lowercase()] if lowercase else [])
    return normalizers.Sequence(steps + [_replacement(rule, i) for i, rule in enumerate(replace)])


def _replacement(rule, i: int):
    if len(rule) != 2 or not all(isinstance(x, str) for x in rule) or not rule[0]:
        raise ConfigError(f"text.replace[{i}] must be a [pattern, replacement] pair of strings (pattern not "
                          f"empty), got {rule!r}")
    try:
        return normalizers.Replace(Regex(rule[0]), rule[1])
    except Exception as exc:  # tokenizers raises plain Exceptions for bad patterns
        raise ConfigError(f"text.replace[{i}]: {rule[0]!r} is not a valid regular expression "
                          f"({str(exc).splitlines()[0]}); escape special characters with a backslash") from None


def _word_tokenizer():
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.decoder = decoders.WordPiece(prefix="\x00", cleanup=False)  # joins with single spaces, no subword prefix
    return tok


def _char_tokenizer():
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    return tok


def _bpe_tokenizer():
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    return tok


_BUILDERS = {"word": _word_tokenizer, "char": _char_tokenizer, "bpe": _bpe_tokenizer}


def _reindex(tok: Tokenizer) -> Tokenizer:
    """Give the specials ids 0-3 and the other tokens 4.. in their trained order, without holes.

    A corpus that contains a special token's text (WikiText-2 has ``<unk>`` throughout) makes the
    trainer count it as a word: it then lands after the specials and leaves a hole in the ids.
    """
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    rest = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1]) if t not in SPECIALS]
    data["model"]["vocab"] = {t: i for i, t in enumerate(list(SPECIALS) + rest)}
    for added in data.get("added_tokens", []):
        if added["content"] in SPECIALS:
            added["id"] = SPECIALS.index(added["content"])
    return Tokenizer.from_str(json.dumps(data))


class TextPipeline:
    """Normalizer + pre-tokenizer + model (+ decoder) of one ``tokenizers.Tokenizer``."""

    def __init__(self, tokenizer: Tokenizer, level: str):
        self.tokenizer = tokenizer
        self.level = level
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    # -- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, texts: Iterable[str], level: str = "word", *, lowercase: bool = True,
              min_freq: int = 1, max_size: int | None = None, vocab_size: int = 8000,
              replace: Sequence[Sequence[str]] = ()) -> "TextPipeline":
        """Learn a vocabulary from ``texts`` (an iterable of strings); ``replace``: regex rewrites
        of the normalizer (``TextConfig.replace``)."""
        if level not in _BUILDERS:
            from rnnlp.errors import choice_error
            raise choice_error("tokenizer level", level, _BUILDERS)
        tok = _BUILDERS[level]()
        tok.normalizer = _normalizer(lowercase, replace)
        if level == "bpe":
            trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_freq,
                                          special_tokens=list(SPECIALS), show_progress=False)
        else:
            size = (max_size + len(SPECIALS)) if max_size else 10**9
            trainer = trainers.WordLevelTrainer(vocab_size=size, min_frequency=min_freq,
                                                special_tokens=list(SPECIALS), show_progress=False)
        tok.train_from_iterator(texts, trainer=trainer)
        return cls(_reindex(tok), level)

    def extended(self, words: Iterable[str]) -> "TextPipeline":
        """A word-level pipeline whose vocabulary also holds ``words`` (new ids after the old ones).

        Used to add the words of a pretrained vectors file, so that words never seen in training
        still map to their own pretrained vector instead of ``<unk>``.
        """
        if self.level != "word":
            from rnnlp.errors import ConfigError
            raise ConfigError(f"only a word-level vocabulary can be extended with words (this one is {self.level})")
        data = json.loads(self.tokenizer.to_str())
        vocab = data["model"]["vocab"]
        next_id = max(vocab.values(), default=-1) + 1  # after the largest id: older files may have holes
        for word in words:
            if word not in vocab:
                vocab[word], next_id = next_id, next_id + 1
        return TextPipeline(Tokenizer.from_str(json.dumps(data)), self.level)

    def unknown_words(self, texts: Iterable[str]) -> tuple[int, Counter]:
        """(how many words ``texts`` hold, a Counter of those missing from the vocabulary)."""
        known, total, missing = self.tokenizer.get_vocab(), 0, Counter()
        for text in texts:
            words = self.words(text)
            total += len(words)
            missing.update(w for w in words if w not in known)
        return total, missing

    def new_words(self, texts: Iterable[str], min_freq: int = 1) -> list[str]:
        """Words of ``texts`` missing from the vocabulary, seen ``min_freq`` times or more, most
        frequent first (ties in order of first appearance)."""
        return [w for w, n in self.unknown_words(texts)[1].most_common() if n >= min_freq]

    def renormalized(self, lowercase: bool, replace: Sequence[Sequence[str]]) -> "TextPipeline":
        """The same vocabulary behind a new normalizer (``_normalizer(lowercase, replace)``)."""
        tok = Tokenizer.from_str(self.tokenizer.to_str())
        tok.normalizer = _normalizer(lowercase, replace)
        return TextPipeline(tok, self.level)

    def words(self, text: str) -> list[str]:
        """The normalized, pre-tokenized words of ``text`` (before the vocabulary lookup)."""
        tok = self.tokenizer
        normal = tok.normalizer.normalize_str(text) if tok.normalizer else text
        return [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(normal)] if tok.pre_tokenizer else normal.split()

    # -- encoding -------------------------------------------------------------------------
    def encode_batch(self, texts: Sequence[str], *, bos: bool = False, eos: bool = False,
                     max_length: int | None = None) -> list[list[int]]:
        """Ids of each text (optionally framed by ``<bos>``/``<eos>``, truncated to ``max_length``)."""
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [self._frame(e.ids, bos, eos, max_length) for e in encs]

    def encode_words_batch(self, words: Sequence[Sequence[str]]) -> list[list[int]]:
        """One id per given word (for tagging): words are looked up as whole tokens."""
        norm = self.tokenizer.normalizer
        vocab = self.tokenizer.get_vocab()
        return [[vocab.get(norm.normalize_str(w), UNK) for w in sent] for sent in words]

    def encode(self, text: str, **kwargs) -> list[int]:
        return self.encode_batch([text], **kwargs)[0]

    @staticmethod
    def _frame(ids, bos, eos, max_length):
        if max_length is not None:
            ids = ids[: max(max_length - bos - eos, 0)]
        return ([BOS] if bos else []) + ids + ([EOS] if eos else [])

    def tokens(self, text: str) -> list[str]:
        return self.tokenizer.encode(text, add_special_tokens=False).tokens

    def decode(self, ids: Sequence[int], skip_special: bool = True) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=skip_special)

    # -- facts ----------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    @property
    def pad_id(self) -> int:
        return PAD

    @property
    def unk_id(self) -> int:
        return UNK

    @property
    def bos_id(self) -> int:
        return BOS

    @property
    def eos_id(self) -> int:
        return EOS

    def vocab(self) -> list[str]:
        """Tokens ordered by id."""
        table = self.tokenizer.get_vocab()
        return [t for t, _ in sorted(table.items(), key=lambda kv: kv[1])]

    # -- files ----------------------------------------------------------------------------
    def to_json(self) -> str:
        data = json.loads(self.tokenizer.to_str())
        data["rnnlp"] = {"level": self.level}
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, where: str = "tokenizer JSON") -> "TextPipeline":
        try:
            data = json.loads(text)
            level = data.pop("rnnlp", {}).get("level", "word")
            tok = Tokenizer.from_str(json.dumps(data))
        except Exception as exc:  # tokenizers raises plain Exceptions for bad JSON
            raise DataError(f"{where} is not a valid tokenizer file ({str(exc).splitlines()[0]}); "
                            "rebuild it with rnnlp or pass another --tokenizer") from None
        return cls(tok, level)

    def save(self, path: str | os.PathLike) -> None:
        from rnnlp.io import atomic_write_text
        atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TextPipeline":
        path = Path(path)
        if not path.is_file():
            raise DataError(f"tokenizer file not found: {path}")
        return cls.from_json(path.read_text(encoding="utf-8"), where=str(path))
