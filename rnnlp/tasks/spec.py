"""The verb specification: every option of every task verb, declared once.

Each option is one ``Param``: its one name (the Python keyword, the HTTP field and, with
dashes, the CLI flag), type, default, bounds and help. The CLI builds its click options from
these rows (``rnnlp.cli.common.spec_options``), the server parses request fields with them
(``rnnlp.serve.verbs``), the loaded models check their keyword arguments with ``check``, and
``/openapi.json`` and ``--help`` print their types and ranges. A bound lives here only.

``where`` says which surfaces have an option: ``cli`` (a flag), ``http`` (a request field),
``api`` (a keyword of the loaded model's method). ``limit`` names the server setting
(``rnnlp serve --max-...``) with which an operator may lower the bound for one server: a value
inside the bound but past that setting is refused with 413 ("past a limit"), not 422.
``aliases`` are the old CLI spellings, still accepted for one release with a warning.

Torch-free and click-free: ``rnnlp --help`` reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ALL = ("cli", "http", "api")


class OptionError(ValueError):
    """A value outside its option's type or bounds: ``str`` is the one-line message
    ``"<spelled> <what>"``; ``what`` alone serves a server's field-named error."""

    def __init__(self, spelled: str, what: str):
        super().__init__(f"{spelled} {what}")
        self.spelled, self.what = spelled, what


@dataclass(frozen=True)
class Param:
    name: str
    kind: type                       # int, float, bool, str
    default: object = None
    help: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False           # (low, high] instead of [low, high]
    where: tuple = ALL
    limit: str | None = None         # the rnnlp serve setting that can lower ``high``
    aliases: tuple = ()              # deprecated CLI flags (a bool alias sets the flag off)
    hint: str = ""                   # added to an out-of-range message
    many: bool = False               # a repeatable option (CLI) / a list (API)
    method: str | None = None        # the loaded model's method taking it, when not the verb's own

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def span(self) -> str:
        """The allowed values in words: ``between 1 and 100``, ``in (0, 1]``, ``>= 1``."""
        if self.low is None and self.high is None:
            return ""
        if self.high is None:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if self.low_open:
            return f"in ({self.low:g}, {self.high:g}]"
        return f"between {self.low:,} and {self.high:,}" if self.kind is int else f"in [{self.low:g}, {self.high:g}]"

    def inside(self, value) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high

    def check(self, value, spelled: str | None = None):
        """``value`` (None = unset, returned as is) checked against the type and bounds;
        OptionError naming the option as ``spelled`` (default: its name)."""
        if value is None:
            return None
        spelled = spelled or self.name
        if self.many:
            values = [value] if isinstance(value, str) else value
            return [self._one(v, spelled) for v in values]
        return self._one(value, spelled)

    def _one(self, value, spelled: str):
        kind = self.kind
        if kind is bool:
            if not isinstance(value, bool):
                raise OptionError(spelled, f"must be true or false, got {type(value).__name__}")
            return value
        if kind is str:
            if not isinstance(value, str) or not value:
                raise OptionError(spelled, f"must be a non-empty string, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
            raise OptionError(spelled, f"must be {'an integer' if kind is int else 'a number'}, "
                              f"got {type(value).__name__}")
        if not math.isfinite(value):
            raise OptionError(spelled, f"must be a finite number, got {value}")
        if not self.inside(value):
            raise OptionError(spelled, f"must be {self.span()}, got {value}{self.hint}")
        return kind(value)

    def alias_value(self, value):
        """What an old spelling stands for: a bool alias (``--include-seen``) turns the flag off."""
        return (not self.default) if self.kind is bool else value

    def deprecated(self, alias: str, surface: str = "cli") -> str:
        """The one-line warning for an old spelling."""
        off = self.kind is bool and self.default
        if surface == "cli":
            new = f"--no-{self.flag[2:]}" if off else self.flag
        else:
            new = f"{self.name}: false" if off else self.name
        return f"{alias} is deprecated (gone in rnnlp 0.5): use {new}"

    def described(self) -> str:
        """The help with the range: what ``--help`` and ``/openapi.json`` print."""
        span = self.span()
        return f"{self.help.rstrip('.')}; {span}." if span else self.help


def field_of(alias: str) -> str:
    """The request field / keyword of an old CLI spelling: ``--max-len`` -> ``max_len``."""
    return alias.lstrip("-").replace("-", "_")


def renamed(new_value, old_value, old: str, param: Param):
    """A keyword's value when its old name may be used instead (a FutureWarning for the old one)."""
    if old_value is None:
        return new_value
    import warnings

    warnings.warn(param.deprecated(old, "api"), FutureWarning, stacklevel=3)
    return param.alias_value(old_value)


def check(params: tuple, values: dict) -> dict:
    """The API's check: each of ``values`` against its row of ``params`` (ConfigError, one line)."""
    from rnnlp.errors import ConfigError

    rows = {p.name: p for p in params}
    out = dict(values)
    for name, value in values.items():
        if name in rows:
            try:
                out[name] = rows[name].check(value)
            except OptionError as exc:
                raise ConfigError(str(exc)) from None
    return out


# -- the rows, shared where the idea is shared ---------------------------------------------
MAX_BEAM = 100
MAX_TOKENS = 100_000     # per sample: minutes of CPU time, never hours
MAX_SAMPLES = 10_000
MAX_TOP_K = 100_000
SEED = Param("seed", int, None, "Random seed (same seed, same output).", 0, 2 ** 63 - 1)
BEAM_SIZE = Param("beam_size", int, None, "Beam size (1 = greedy; default: the checkpoint's).", 1, MAX_BEAM,
                  limit="max_beam")
TEMPERATURE = Param("temperature", float, 1.0, "Divide log-probabilities by this (lower = safer).", 0.01, 100.0,
                    hint="; for the most probable output use greedy")  # below 0.01 a float32 softmax overflows

GENERATE = (
    Param("max_tokens", int, 200, "Tokens to generate per sample.", 1, MAX_TOKENS, limit="max_tokens"),
    TEMPERATURE,
    Param("top_k", int, None, "Sample among the K most probable tokens.", 1, None),
    Param("top_p", float, 1.0, "Sample from the nucleus of this probability mass.", 0, 1, low_open=True),
    SEED,
    Param("num_samples", int, 1, "Samples to draw per prompt.", 1, MAX_SAMPLES, where=("cli", "api")),
    Param("greedy", bool, False, "Always take the most probable token."),
    Param("beam_size", int, None, "Beam search with this many beams.", 1, MAX_BEAM, where=("cli", "api")),
    Param("repetition_penalty", float, 1.0, "Divide the score of tokens already in the prompt or output by "
          "this (> 1 repeats less).", 0, 100, low_open=True, where=("cli", "api")),
    Param("no_repeat_ngram_size", int, 0, "Never repeat an n-gram of this many tokens (0 = off).", 0, 100,
          where=("cli", "api")),
    Param("stop", str, None, "End a sample at this string (not printed).", many=True, where=("cli", "api")),
    Param("stream", bool, False, "Send tokens as server-sent events while they are generated.", where=("http",)),
)
TRANSLATE = (
    BEAM_SIZE,
    Param("n_best", int, 1, "Translations per sentence (<= beam_size).", 1, MAX_BEAM, limit="max_beam"),
    Param("length_penalty", float, None, "GNMT length penalty alpha (0 = none); default: the checkpoint's.", 0, 10),
    Param("attention", bool, False, "Also return the attention weights (greedy, one sentence at a time).",
          where=("http",)),
)
CAPTION_MAX_TOKENS = Param("max_tokens", int, None, "Most words per caption (default: the checkpoint's).", 1, 500,
                           limit="max_tokens", aliases=("--max-len",))
CAPTION = (BEAM_SIZE, CAPTION_MAX_TOKENS)
RECOMMEND_TOP_K = Param("top_k", int, 10, "Items to recommend.", 1, MAX_TOP_K, limit="max_k", aliases=("-k",))
RECOMMEND = (
    RECOMMEND_TOP_K,
    Param("exclude_seen", bool, True, "Leave out items already in the history.", aliases=("--include-seen",)),
)
TRANSCRIBE = (BEAM_SIZE,)
MUSIC = (
    Param("steps", int, 128, "Frames to generate.", 1, MAX_TOKENS, limit="max_tokens"),
    SEED,
    TEMPERATURE,
    Param("max_notes", int, None, "At most this many keys sound in a frame.", 0, 88),
    Param("bpm", float, 120.0, "Tempo of the written MIDI/WAV, quarter notes a minute.", 0, 1000, low_open=True,
          method="save"),
    Param("wav", bool, True, "Also return the WAV (base64).", where=("http",)),
    Param("prompt_piece", int, 0, "Which piece of a --prompt file to continue (0 = the first).", 0, None,
          where=("cli",)),
    Param("prompt_split", str, "test", "Split of a --prompt .mat/.npz file to take the piece from.", where=("cli",)),
)
NEIGHBORS = (Param("top_k", int, 10, "Nearest words to print.", 1, MAX_TOP_K, where=("cli",), aliases=("--topn",)),)
ANALOGY = (Param("top_k", int, 5, "Answers to print.", 1, MAX_TOP_K, where=("cli",), aliases=("--topn",)),)
