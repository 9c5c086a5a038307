"""How much memory a config's model needs at least, estimated from the config alone (no torch).

``encoder.hidden_size=1000000000`` would otherwise fail deep inside torch's allocator with a
50-line error, or be killed by the operating system after minutes of swapping. Before anything
is allocated, ``check_memory`` adds up a lower bound of the parameters of every recurrent layer
and embedding the config describes (vocabularies counted at their smallest, the special tokens,
since their real size is a fact of the data), times the bytes training keeps per parameter
(weights, gradients, optimizer state), and refuses a config whose bound exceeds the memory
available, naming the field that costs most.
"""

from __future__ import annotations

import dataclasses
import os

from rnnlp.errors import ConfigError

GATES = {"lstm": 4, "gru": 3, "rnn": 1}  # weight blocks per recurrent layer
OPTIMIZER_STATES = {"adamw": 2, "adam": 2, "sgd": 1}  # tensors kept per parameter (moments, momentum)
MIN_VOCAB = 4  # <pad> <unk> <bos> <eos>: no vocabulary is smaller
FLOAT_BYTES = 4


def parameter_counts(cfg) -> dict[str, int]:
    """``{"section.field": parameters}``: a lower bound of the parameters each size field implies."""
    sections = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)
                if dataclasses.is_dataclass(getattr(cfg, f.name))}
    widths = [_int(s, "embedding_dim") for s in sections.values()] + [_int(sections.get("frames"), "size")]
    width = max(widths) or 1
    counts = {}
    for name, section in sections.items():
        dim = _int(section, "embedding_dim")
        if dim and getattr(section, "kind", "learned") != "onehot":
            counts[f"{name}.embedding_dim"] = MIN_VOCAB * dim
        hidden = _int(section, "hidden_size")
        if hidden and hasattr(section, "cell"):
            counts[f"{name}.hidden_size"] = _recurrent(section, hidden, dim or width)
        elif hidden:  # a head's or decoder's hidden layer: at least one width x hidden matrix
            counts[f"{name}.hidden_size"] = hidden * width
    return counts


def _int(section, name: str) -> int:
    value = getattr(section, name, None) if section is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _recurrent(section, hidden: int, input_size: int) -> int:
    """Parameters of a (stacked, maybe bidirectional) RNN/GRU/LSTM: weights and both biases."""
    gates = GATES.get(getattr(section, "cell", "lstm"), 4)
    dirs = 2 if getattr(section, "bidirectional", False) else 1
    layers = max(_int(section, "num_layers"), 1)
    first = gates * hidden * (input_size + hidden + 2)
    rest = gates * hidden * (hidden * dirs + hidden + 2)
    return dirs * (first + (layers - 1) * rest)


def training_bytes(cfg) -> int:
    """Bytes training needs at least for the parameters, their gradients and optimizer state."""
    train = cfg.train
    copies = 2 + OPTIMIZER_STATES.get(train.optimizer, 2) + (1 if train.ema else 0)
    return sum(parameter_counts(cfg).values()) * copies * FLOAT_BYTES


def check_memory(cfg, available: int | None, where: str = "this machine") -> None:
    """Raise a ConfigError naming the costliest field when ``cfg`` cannot fit in ``available`` bytes."""
    if available is None:
        return
    values = {key: _value(cfg, key) for key in parameter_counts(cfg)}
    key = max(values, key=values.get)  # the largest size drives the others (an RNN's input is its embedding)
    require_fits(key, values[key], training_bytes(cfg), available, where)


def require_fits(key: str, value, need: int, available: int | None, where: str = "this machine") -> None:
    """A ConfigError when ``need`` bytes (caused by ``key=value``) exceed ``available`` (None: unknown)."""
    if available is not None and need > available:
        raise ConfigError(f"{key}={value} needs at least {size(need)} for the parameters, gradients and "
                          f"optimizer state (estimated before allocating), but {where} has {size(available)} "
                          f"available; lower {key}")


def available_memory() -> int | None:
    """Bytes of memory a new allocation can use (Linux: MemAvailable + free swap); None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f if line.split()[1:2]}
        return info["MemAvailable"] + info.get("SwapFree", 0)
    except (OSError, KeyError, ValueError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _value(cfg, key: str) -> int:
    section, field = key.split(".")
    return getattr(getattr(cfg, section), field)


def size(n: float) -> str:
    """Bytes for people: ``1.5 GiB``."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    i = 0
    while n >= 1024 and i < len(units) - 1:
        n, i = n / 1024, i + 1
    return f"{n:.1f} {units[i]}"
