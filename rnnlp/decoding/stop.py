"""Stop strings: end a row's text where a given string first appears, and cut it off.

Text arrives piece by piece (a token's text at each step). ``StopStrings`` releases each
row's text as soon as it cannot be the start of a stop string, holds back a tail that still
could be, and cuts at the first stop string found, so a streamed row never shows any part of
one. Works on text, not ids: a stop string may span several tokens or end mid-token.
"""

from __future__ import annotations

from rnnlp.errors import ConfigError


def check_stop(stop) -> list[str]:
    """``stop`` as a list: None -> [], one string -> [it], a list of non-empty strings as is."""
    if stop is None:
        return []
    found = [stop] if isinstance(stop, str) else stop
    if not isinstance(found, (list, tuple)) or not all(isinstance(s, str) and s for s in found):
        raise ConfigError(f"stop (--stop) must be a non-empty string or a list of them, got {stop!r}")
    return list(found)


class StopStrings:
    """Per row: what text may be shown now, and whether the row has reached a stop string."""

    def __init__(self, stop, rows: int):
        self.stop = check_stop(stop)
        self.held = [""] * rows
        self.stopped = [False] * rows

    @property
    def done(self) -> bool:
        """Every row has stopped (with no stop strings: never)."""
        return bool(self.stop) and all(self.stopped)

    def feed(self, pieces: list[str]) -> list[str]:
        """The text each row may show after adding its piece ("" once a row has stopped)."""
        return [self._feed(row, piece) for row, piece in enumerate(pieces)]

    def flush(self) -> list[str]:
        """The held text of the rows that never reached a stop string (at the end of decoding)."""
        out = ["" if stopped else held for held, stopped in zip(self.held, self.stopped)]
        self.held = [""] * len(self.held)
        return out

    def cut(self, text: str) -> str:
        """``text`` up to its first stop string (whole texts, e.g. beam search results)."""
        first = min((i for i in (text.find(s) for s in self.stop) if i >= 0), default=-1)
        return text if first < 0 else text[:first]

    def _feed(self, row: int, piece: str) -> str:
        if self.stopped[row]:
            return ""
        text = self.held[row] + piece
        if not self.stop:
            return text
        cut = self.cut(text)
        if len(cut) < len(text):
            self.stopped[row], self.held[row] = True, ""
            return cut
        keep = self._open_tail(text)
        self.held[row] = text[len(text) - keep:] if keep else ""
        return text[: len(text) - keep]

    def _open_tail(self, text: str) -> int:
        """Length of the longest end of ``text`` that begins some stop string."""
        return max(next((k for k in range(min(len(s) - 1, len(text)), 0, -1) if s.startswith(text[len(text) - k:])), 0)
                   for s in self.stop)
