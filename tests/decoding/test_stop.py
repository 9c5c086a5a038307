"""Stop strings: streamed pieces never show a stop string, and add up to the text cut at the first one."""

import random

import pytest

from rnnlp.decoding import StopStrings
from rnnlp.errors import ConfigError


def pieces_of(text: str, rng: random.Random) -> list[str]:
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(1, 8))))
    return [text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])]


def stream(stop, texts: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Feed rows' pieces step by step; (each row's text, what was shown at each step)."""
    stops = StopStrings(stop, len(texts))
    shown, steps = [""] * len(texts), []
    for step in range(max(map(len, texts))):
        out = stops.feed([row[step] if step < len(row) else "" for row in texts])
        steps.append(out)
        shown = [s + o for s, o in zip(shown, out)]
    return [s + t for s, t in zip(shown, stops.flush())], steps


@pytest.mark.parametrize("seed", range(20))
def test_streamed_text_is_the_text_cut_at_its_first_stop_string(seed):
    rng = random.Random(seed)
    stop = ["\n\n", "END", "a b"]
    texts = ["".join(rng.choice("ab \nEND") for _ in range(rng.randint(2, 30))) for _ in range(3)]
    got, steps = stream(stop, [pieces_of(t, rng) for t in texts])
    cut = StopStrings(stop, 1).cut
    assert got == [cut(t) for t in texts]
    for t in texts:  # the cut is at the earliest occurrence of any stop string
        first = min([t.find(s) for s in stop if s in t], default=len(t))
        assert cut(t) == t[:first]


def test_text_that_may_begin_a_stop_string_is_held_until_it_cannot():
    stops = StopStrings(["STOP"], 1)
    assert stops.feed(["go ST"]) == ["go "]
    assert stops.feed(["O"]) == [""]
    assert stops.feed(["ne"]) == ["STOne"]  # not a stop string after all
    assert stops.feed([" ST"]) == [" "] and stops.feed(["OP and more"]) == [""]
    assert stops.stopped == [True] and stops.done and stops.feed(["x"]) == [""] and stops.flush() == [""]


def test_without_stop_strings_pieces_pass_through_and_nothing_is_held():
    stops = StopStrings(None, 2)
    assert stops.feed(["a", "b"]) == ["a", "b"] and stops.flush() == ["", ""] and not stops.done
    assert StopStrings("x", 1).stop == ["x"]  # one string is one stop string


@pytest.mark.parametrize("stop", ["", [""], ["ok", ""], [None], 3, {"a": 1}])
def test_bad_stop_strings_are_one_line_config_errors(stop):
    with pytest.raises(ConfigError, match="^stop \\(--stop\\) must be a non-empty string or a list of them, got"):
        StopStrings(stop, 1)
