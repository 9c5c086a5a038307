"""Ask vectors questions: nearest neighbours and analogies, with helpful unknown-word errors."""

from __future__ import annotations

import difflib

from rnnlp.errors import DataError


def neighbors(kv, words, topn: int = 10) -> dict[str, list[tuple[str, float]]]:
    """The ``topn`` most cosine-similar words to each of ``words`` (a word or a list).

    Returns:
        ``{word: [(neighbour, cosine), ...]}`` in the order of ``words``, best first.

    Raises:
        DataError: a word is not in the vocabulary (the message suggests close spellings).
    """
    words = [words] if isinstance(words, str) else list(words)
    check_known(kv, words)
    return {word: kv.most_similar(word, topn=topn) for word in words}


def analogy(kv, a: str, b: str, c: str, topn: int = 1) -> list[tuple[str, float]]:
    """Words nearest to ``a - b + c`` (king - man + woman ~ queen), excluding a, b and c.

    Uses gensim's ``most_similar(positive=[a, c], negative=[b])`` (3CosAdd on unit vectors).

    Raises:
        DataError: a word is not in the vocabulary (the message suggests close spellings).
    """
    check_known(kv, [a, b, c])
    return kv.most_similar(positive=[a, c], negative=[b], topn=topn)


def check_known(kv, words) -> None:
    """Raise DataError naming the first word of ``words`` that ``kv`` has no vector for.

    A fastText ``kv`` knows every word (it builds vectors from n-grams), so it never raises.
    """
    for word in words:
        if word not in kv:
            raise DataError(f"{word!r} is not in the vocabulary ({len(kv)} words){_hint(kv, word)}")


def _hint(kv, word: str) -> str:
    close = [w for w in (word.lower(),) if w != word and w in kv.key_to_index]
    close += difflib.get_close_matches(word.lower(), kv.index_to_key, n=3, cutoff=0.7)
    close = list(dict.fromkeys(close))[:3]
    return f"; did you mean {', '.join(map(repr, close))}?" if close else "; check the spelling"
