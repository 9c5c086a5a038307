"""Reading the fields of a JSON request body; each mistake is a ``RequestError`` naming the field."""

from __future__ import annotations

import math
from dataclasses import dataclass


class RequestError(Exception):
    """A bad request: HTTP ``status`` and a one-line message naming ``field``."""

    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status = field, message, status

    def body(self) -> dict:
        return {"error": str(self), "field": self.field}


@dataclass(frozen=True)
class Limits:
    """What one request may ask for (``rnnlp serve --max-...``)."""

    max_items: int = 64              # items per request
    max_chars: int = 10_000          # characters per text
    max_tokens: int = 512            # generate: tokens per item
    max_beam: int = 16               # translate/caption/transcribe: beam size
    max_image_bytes: int = 5_000_000  # caption: decoded bytes per image
    max_audio_bytes: int = 10_000_000  # transcribe: bytes per wav file
    max_audio_seconds: float = 60.0    # transcribe: seconds per wav file
    max_body_bytes: int = 10_000_000  # the whole request body
    max_values: int = 100_000        # recommend: items per history; series: steps per series
    max_k: int = 1_000               # recommend: items per answer
    max_pixels: int = 16_777_216     # caption: width x height per image (4096 x 4096), read from its header
    max_sample_rate: int = 192_000   # transcribe: the sample rate a wav header may declare
    max_channels: int = 8            # transcribe: channels per wav file
    body_seconds: float = 10.0       # the whole body must arrive within this (a slow client gets a 408)


def items(body: dict, limits: Limits) -> tuple[list, bool]:
    """The request's items and whether it sent a list: ``input`` (one item) or ``inputs`` (a list)."""
    if not isinstance(body, dict):
        raise RequestError("body", "must be a JSON object such as {\"input\": ...}")
    if ("input" in body) == ("inputs" in body):
        raise RequestError("input", "give exactly one of 'input' (one item) or 'inputs' (a list)")
    if "input" in body:
        return [body["input"]], False
    found = body["inputs"]
    if not isinstance(found, list) or not found:
        raise RequestError("inputs", "must be a non-empty list")
    if len(found) > limits.max_items:
        raise RequestError("inputs", f"{len(found)} items; at most {limits.max_items} per request", 413)
    return found, True


def text(value, field: str, limits: Limits, empty: bool = False) -> str:
    """A string of at most ``max_chars`` characters (non-blank unless ``empty``)."""
    if not isinstance(value, str):
        raise RequestError(field, f"must be a string, got {type(value).__name__}")
    if not empty and not value.strip():
        raise RequestError(field, "is empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate such as "\ud800": not text any model can read
        raise RequestError(field, f"holds an invalid character (a lone surrogate at {exc.start})") from None
    if len(value) > limits.max_chars:
        raise RequestError(field, f"{len(value)} characters; at most {limits.max_chars}", 413)
    return value


def integer(body: dict, field: str, default, low: int, high: int | None = None):
    """An int in [low, high] (bools are not ints here); ``default`` when absent or null."""
    value = body.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(field, f"must be an integer, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise RequestError(field, f"must be {bound}, got {value}")
    return value


def number(body: dict, field: str, default: float, low: float, high: float, low_open: bool = True) -> float:
    """A float in (low, high] (or [low, high] when not ``low_open``)."""
    value = body.get(field)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError(field, f"must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise RequestError(field, f"must be a finite number, got {value}")
    if value > high or value < low or (low_open and value == low):
        raise RequestError(field, f"must be in {'(' if low_open else '['}{low}, {high}], got {value}")
    return float(value)


def flag(body: dict, field: str, default: bool = False) -> bool:
    value = body.get(field, default)
    if not isinstance(value, bool):
        raise RequestError(field, f"must be true or false, got {type(value).__name__}")
    return value


def no_unknown(body: dict, known: set, verb: str) -> None:
    """Reject fields the verb does not read (a typo would otherwise be ignored silently)."""
    unknown = sorted(set(body) - known - {"input", "inputs"})
    if unknown:
        raise RequestError(unknown[0], f"unknown field for {verb}; known: {', '.join(sorted(known)) or 'none'}")
