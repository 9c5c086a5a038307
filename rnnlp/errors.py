"""The errors rnnlp raises for user mistakes.

Every message is one line: what was wrong, where, and how to fix it. The CLI turns an
``RnnlpError`` into that line and a non-zero exit; anything else is a bug and keeps its traceback.
"""


class RnnlpError(Exception):
    """Base class: a user-facing error with a one-line message."""

    exit_code = 2


class ConfigError(RnnlpError):
    """A recipe, override or option is invalid (unknown key, wrong type, bad choice)."""


class DataError(RnnlpError):
    """An input file or dataset is missing, unreadable or malformed."""


class CheckpointError(RnnlpError):
    """A checkpoint directory is missing, incomplete, corrupt or of another task."""


class TrainingError(RnnlpError):
    """Training cannot go on without producing a broken model (a non-finite loss or weights)."""


class InputError(RnnlpError, ValueError):
    """A bad argument to a loaded model's verb (None, an empty text, a wrong type); also a
    ``ValueError``, as Python callers expect."""


class VectorsError(DataError):
    """A pretrained vectors file is in the wrong format or inconsistent."""


def choice_error(kind: str, value: object, valid) -> ConfigError:
    """An error for an unknown choice that lists the valid ones."""
    return ConfigError(f"unknown {kind} {value!r}; choose one of: {', '.join(map(str, valid))}")
