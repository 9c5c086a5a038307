"""A config field's bounds, declared beside the field (dataclass field metadata).

    epochs: int = positive(2)                  # must be > 0
    weight_decay: float = nonnegative(0.0)     # must be >= 0
    seed: int = within(0, 0, 2**32 - 1)        # numpy's seeds are 32-bit

``rnnlp.config.base.from_dict`` checks them when a recipe, option or override sets the field;
a value outside is a one-line ConfigError naming the key. ``*dropout`` fields are in [0, 1) by
their name. None (unset) always passes.
"""

from __future__ import annotations

from dataclasses import field


def positive(default):
    return field(default=default, metadata={"low": 0, "low_open": True})


def nonnegative(default):
    return field(default=default, metadata={"low": 0})


def within(default, low, high):
    return field(default=default, metadata={"low": low, "high": high})
