"""Raw text into the words of a tagger's training data, each with its character offsets.

Tagged corpora come pre-tokenised, each in its own way: CoNLL-2003 and the Penn Treebank
write "Paris ." and "Smith 's", while other files keep "Paris." whole. ``WordRules.learn``
reads that convention off the training tokens and ``WordRules.split`` applies it to raw
text: split on whitespace, then, when the training data stood punctuation alone, peel
punctuation (and clitics such as "'s" or "n't" the data split off) from the edges of each
word, unless the training data had the word whole ("U.S.", "Corp."). Every word keeps its
``(start, end)`` into the original string, so ``text[start:end]`` is the word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_CLITIC = re.compile(r"^(?:['\u2019][a-z]{1,2}|n['\u2019]t)$")  # 's 're 'll 'd n't (lower-cased)


def is_punctuation(char: str) -> bool:
    """Unicode punctuation or symbol (categories P* and S*): what tokenisers split off words."""
    return unicodedata.category(char)[0] in "PS"


def _all_punctuation(word: str) -> bool:
    return all(map(is_punctuation, word))


def _edged(word: str) -> bool:
    """A word with letters or digits and punctuation at an edge: "Paris.", "U.S.", "(AP"."""
    return not _all_punctuation(word) and (is_punctuation(word[0]) or is_punctuation(word[-1]))


@dataclass(frozen=True)
class WordRules:
    """How the training data cut text into words (saved in the checkpoint as a dict)."""

    split: bool = False                           # punctuation stood alone in the training data
    punctuation: tuple = ()                       # its multi-character punctuation words ("...", "--")
    clitics: tuple = ()                           # clitic words it split off ("'s", "n't"), lower-cased
    keep: frozenset = field(default_factory=frozenset)  # its words with edge punctuation, lower-cased

    @classmethod
    def learn(cls, sentences) -> "WordRules":
        """The rules of tokenised ``sentences`` (lists of words): split when standalone
        punctuation words outnumber words with punctuation attached at an edge."""
        words = {w for sent in sentences for w in sent if w}
        counts = {"alone": 0, "edged": 0}
        for sent in sentences:
            for w in sent:
                if w and _all_punctuation(w):
                    counts["alone"] += 1
                elif w and _edged(w):
                    counts["edged"] += 1
        if counts["alone"] <= counts["edged"]:
            return cls()
        return cls(True, tuple(sorted((w for w in words if len(w) > 1 and _all_punctuation(w)), key=lambda w: (-len(w), w))),
                   tuple(sorted({w.lower() for w in words if _CLITIC.match(w.lower())}, key=lambda w: (-len(w), w))),
                   frozenset(w.lower() for w in words if _edged(w)))

    def to_dict(self) -> dict:
        return {"split": self.split, "punctuation": list(self.punctuation), "clitics": list(self.clitics),
                "keep": sorted(self.keep)}

    @classmethod
    def from_dict(cls, data: dict) -> "WordRules":
        return cls(bool(data.get("split")), tuple(data.get("punctuation", ())), tuple(data.get("clitics", ())),
                   frozenset(data.get("keep", ())))

    def split_text(self, text: str) -> list[tuple[str, int, int]]:
        """``[(word, start, end)]`` of ``text``, with ``text[start:end] == word``."""
        out = []
        for match in re.finditer(r"\S+", text):
            start = match.start()
            out += [(text[start + i: start + j], start + i, start + j) for i, j in self._cuts(match.group())]
        return out

    def _cuts(self, word: str) -> list[tuple[int, int]]:
        """(start, end) of the pieces of one whitespace-free ``word``."""
        if not self.split or not (is_punctuation(word[0]) or is_punctuation(word[-1]) or "'" in word
                                  or "\u2019" in word):
            return [(0, len(word))]  # most words: nothing to peel (clitics start with an apostrophe)
        front, back, i, j = [], [], 0, len(word)
        while self.split and i < j and word[i:j].lower() not in self.keep:
            n = self._lead(word[i:j])
            if 0 < n < j - i:
                front.append((i, i + n))
                i += n
                continue
            n = self._tail(word[i:j])
            if 0 < n < j - i:
                back.append((j - n, j))
                j -= n
                continue
            break
        return front + [(i, j)] + back[::-1]

    def _lead(self, piece: str) -> int:
        """Length of the punctuation word that starts ``piece`` (0: none)."""
        found = next((p for p in self.punctuation if piece.startswith(p)), None)
        return len(found) if found else int(is_punctuation(piece[0]))

    def _tail(self, piece: str) -> int:
        """Length of the clitic or punctuation word that ends ``piece`` (0: none)."""
        lower = piece.lower()
        found = next((c for c in self.clitics if lower.endswith(c)), None) or \
            next((p for p in self.punctuation if piece.endswith(p)), None)
        return len(found) if found else int(is_punctuation(piece[-1]))


def whitespace_words(text: str) -> list[tuple[str, int, int]]:
    """``[(word, start, end)]``: the whitespace-separated words of ``text``."""
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def joined_words(tokens: list[str]) -> tuple[str, list[tuple[str, int, int]]]:
    """Pre-tokenised words as (their text joined by spaces, ``[(word, start, end)]`` into it)."""
    out, start = [], 0
    for token in tokens:
        out.append((token, start, start + len(token)))
        start += len(token) + 1
    return " ".join(tokens), out
