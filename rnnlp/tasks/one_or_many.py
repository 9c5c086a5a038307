"""One item or a list of items: how every loaded model's verb reads its first argument.

Like HF pipelines, a verb given one item (a string, one image, one history) returns one
result, and given a list returns a list, in order. ``None``, a blank text, or a list holding
one is an ``InputError`` (a ``ValueError``) naming the argument and the position, never a
prediction for the string "None".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rnnlp.errors import InputError


def items(value, name: str, one: Callable[[object], bool], check: Callable[[object, str], None]
          ) -> tuple[list, bool]:
    """(the items as a list, whether ``value`` was one item).

    ``one(value)`` says whether ``value`` is a single item; otherwise it must be an iterable
    of items. ``check(item, where)`` raises an InputError for a bad item.
    """
    if value is None:
        raise InputError(f"{name} is None; give one item or a list of them")
    if one(value):
        check(value, name)
        return [value], True
    if isinstance(value, (bytes, dict)) or not isinstance(value, Iterable):
        raise InputError(f"{name} must be one item or a list of them, got {type(value).__name__}")
    found = list(value)
    for i, item in enumerate(found):
        if item is None:
            raise InputError(f"{name}[{i}] is None")
        check(item, f"{name}[{i}]")
    return found, False


def check_text(value, where: str) -> None:
    """A non-blank string."""
    if not isinstance(value, str):
        raise InputError(f"{where} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InputError(f"{where} is an empty text")


def texts(value, name: str = "texts") -> tuple[list[str], bool]:
    """A string is one text; a list (or any iterable) of non-blank strings is many."""
    return items(value, name, lambda v: isinstance(v, str), check_text)


def result(outputs: list, single: bool):
    """The verb's answer: the one output for one item, else the list."""
    return outputs[0] if single else outputs


def _one_history(value) -> bool:
    """A string of items, or a list of item ids that are not themselves lists or strings."""
    if isinstance(value, str):
        return True
    return isinstance(value, (list, tuple)) and bool(value) and \
        not any(isinstance(x, (str, list, tuple)) or x is None for x in value)


def _check_history(value, where: str) -> None:
    if isinstance(value, str):
        return check_text(value, where)
    if not isinstance(value, (list, tuple)) or not value:
        raise InputError(f"{where} must be a non-empty list of items or a string of them")
    if any(x is None for x in value):
        raise InputError(f"{where} holds None")


def histories(value, name: str = "histories") -> tuple[list, bool]:
    """One history (a string of space-separated items, or a list of item ids such as ints), or
    a list of histories."""
    return items(value, name, _one_history, _check_history)


TOKENIZE = ("model", "whitespace", None)


def _check_sentence(value, where: str, pretokenised: bool) -> None:
    """A non-blank text (unless ``pretokenised``) or a non-empty list of non-blank tokens."""
    if isinstance(value, str) and not pretokenised:
        return check_text(value, where)
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        wanted = "a list of tokens with tokenize=None" if pretokenised else "a text or a list of tokens"
        raise InputError(f"{where} must be {wanted}, got {type(value).__name__}")
    if not value:
        raise InputError(f"{where} is an empty token list")
    for i, token in enumerate(value):
        check_text(token, f"{where}[{i}]")


def sentences(value, tokenize, name: str = "texts") -> tuple[list, bool]:
    """What a tagger reads: one text (or, with ``tokenize=None``, one list of tokens), or a
    list of texts and token lists."""
    if tokenize not in TOKENIZE:
        raise InputError(f"unknown tokenize {tokenize!r}; choose one of: 'model', 'whitespace', None")

    def one(v) -> bool:
        return isinstance(v, str) or (tokenize is None and isinstance(v, (list, tuple)) and bool(v)
                                      and all(isinstance(t, str) for t in v))

    return items(value, name, one, lambda v, where: _check_sentence(v, where, tokenize is None))
