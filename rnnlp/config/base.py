"""Strict YAML <-> dataclass loading and ``section.field=value`` overrides.

Defaults live once, in the dataclasses. A recipe may be partial; an unknown key or a value of
the wrong type is a ``ConfigError`` that names the key. No torch here.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from pathlib import Path

import yaml

from rnnlp.errors import ConfigError

T = typing.TypeVar("T")


# keys that moved (old checkpoints and recipes still load): old (section, key) -> new
RENAMED = {(None, "time_limit_minutes"): ("train", "time_limit_minutes"),
           ("seq2seq", "time_budget_minutes"): ("train", "time_limit_minutes")}


def _renamed(data: dict) -> dict:
    """A top-level config mapping with the keys of ``RENAMED`` moved to their new places."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for (section, key), (new_section, new_key) in RENAMED.items():
        holder = out if section is None else out.get(section)
        if isinstance(holder, dict) and key in holder:
            value = holder.pop(key)
            target = out.setdefault(new_section, {})
            if isinstance(target, dict) and value is not None:
                target.setdefault(new_key, value)
    return out


def from_dict(cls: type[T], data: dict, where: str = "") -> T:
    """Build dataclass ``cls`` from a (possibly partial) mapping, checking every key and type."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where.rstrip('.') or 'config'}: expected a mapping, got {type(data).__name__}")
    data = _renamed(data) if not where else data
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        if key not in fields:
            import difflib

            near = difflib.get_close_matches(str(key), fields, n=1)
            hint = f"did you mean '{where}{near[0]}'? " if near else ""
            raise ConfigError(f"unknown key '{where}{key}'; {hint}valid keys here: {', '.join(sorted(fields))}")
        if dataclasses.is_dataclass(hints[key]) and isinstance(value, dict):
            # a partial section starts from this field's own default (a task may set its own
            # defaults for a shared component), not from the component class's defaults
            kwargs[key] = _update(_default(fields[key], hints[key]), value, f"{where}{key}.")
        else:
            kwargs[key] = coerce(hints[key], value, f"{where}{key}")
        check_range(f"{where}{key}", kwargs[key], fields[key].metadata)
    return cls(**kwargs)


def _default(field: dataclasses.Field, hint):
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    if field.default is not dataclasses.MISSING:
        return field.default
    return hint()


def _update(base, data: dict, where: str):
    """``base`` (a dataclass instance) with the keys of ``data`` checked and applied."""
    given = from_dict(type(base), data, where)
    changed = {k: getattr(given, k) for k in data}
    return dataclasses.replace(base, **changed)


def check_range(key: str, value, bounds=None) -> None:
    """A number within its field's bounds (``rnnlp.config.bounds``: ``low``, ``low_open``,
    ``high`` in the field metadata), finite, and ``*dropout`` fields in [0, 1); None (unset) passes.
    The bounds live beside their fields; out-of-range values would otherwise fail deep inside
    torch (or silently do nothing)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"'{key}' must be a finite number, got {value}")
    bounds = bounds or {}
    low, high = bounds.get("low"), bounds.get("high")
    if low is not None and bounds.get("low_open") and not value > low:
        raise ConfigError(f"'{key}' must be greater than {low}, got {value}")
    if low is not None and high is None and value < low:
        raise ConfigError(f"'{key}' must be {low} or more, got {value}")
    if high is not None and not low <= value <= high:
        raise ConfigError(f"'{key}' must be between {low} and {high}, got {value}")
    if key.rsplit(".", 1)[-1].endswith("dropout") and not 0 <= value < 1:
        raise ConfigError(f"'{key}' must be in [0, 1), got {value}")


def coerce(hint, value, key: str):
    """Check ``value`` against a type hint, converting only where it loses nothing (int -> float)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, key + ".")
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return coerce(arg, value, key)
            except ConfigError:
                continue
        raise _type_error(key, hint, value)
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"bad value {value!r} for '{key}'; choose one of: {', '.join(map(str, args))}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise _type_error(key, hint, value)
        item = args[0] if args else typing.Any
        return origin(coerce(item, v, f"{key}[{i}]") for i, v in enumerate(value))
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise _type_error(key, hint, value)
        return dict(value)
    return _scalar(hint, value, key)


def _scalar(hint, value, key):
    if hint is typing.Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str):
        try:  # YAML 1.1 reads "1e-3" (no dot) as a string
            return float(value)
        except ValueError:
            raise _type_error(key, hint, value) from None
    if hint is int and isinstance(value, bool):
        raise _type_error(key, hint, value)
    if not isinstance(value, hint):
        raise _type_error(key, hint, value)
    return value


def _type_error(key, hint, value) -> ConfigError:
    name = getattr(hint, "__name__", str(hint).replace("typing.", ""))
    return ConfigError(f"bad type for '{key}': expected {name}, got {type(value).__name__} {value!r}")


def to_dict(config) -> dict:
    """The config as plain data (for YAML and checkpoints)."""
    return dataclasses.asdict(config)


def field_help(cls: type) -> dict[str, str]:
    """Each field's help: the comment written after it in the dataclass (one declaration)."""
    import inspect
    import io
    import tokenize

    helps: dict[str, str] = {}
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return helps
    names = {f.name for f in dataclasses.fields(cls)}
    line_field: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in names and tok.start[1] == 4 and tok.start[0] not in line_field:
            line_field[tok.start[0]] = tok.string
        elif tok.type == tokenize.COMMENT and tok.start[0] in line_field:
            helps.setdefault(line_field[tok.start[0]], tok.string.lstrip("# ").strip())
    return helps


def commented_yaml(config, indent: int = 0) -> str:
    """The whole config as YAML, each key with its help as a comment (``rnnlp train TASK --print-config``)."""
    helps, lines, pad = field_help(type(config)), [], "  " * indent
    for f in dataclasses.fields(config):
        value, note = getattr(config, f.name), helps.get(f.name, "")
        if dataclasses.is_dataclass(value):
            lines.append(f"{pad}{f.name}:" + (f"  # {note}" if note else ""))
            lines.append(commented_yaml(value, indent + 1))
            continue
        text = yaml.safe_dump({f.name: value}, default_flow_style=True, width=10_000, sort_keys=False).strip()
        text = text[1:-1] if text.startswith("{") else text
        lines.append(f"{pad}{text}" + (f"  # {note}" if note else ""))
    return "\n".join(lines)


def load_yaml(path: str | os.PathLike) -> dict:
    """Read a recipe YAML file into a mapping; a missing or malformed file is a ConfigError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"recipe not found: {path}; give the path of a YAML file (see recipes/)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"recipe {path} is not UTF-8 text; give a YAML recipe (see recipes/)") from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" line {line + 1}" if line is not None else ""
        raise ConfigError(f"recipe {path}{where} is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return data or {}


def set_dotted(data: dict, dotted: str, value) -> None:
    """Set ``a.b.c = value`` inside nested dicts, creating levels as needed."""
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override '{dotted}': '{part}' is not a section")
        node = child
    node[last] = value


def parse_override(text: str) -> tuple[str, object]:
    """``'train.lr=0.001'`` -> ``('train.lr', 0.001)``; the value is read as YAML."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"bad override {text!r}; write section.field=value, e.g. train.epochs=3")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def merge(base: dict, update: dict) -> dict:
    """Recursive dict merge: ``update`` wins; neither input is changed."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def build_config(cls: type[T], recipe: str | os.PathLike | None = None,
                 overrides: typing.Iterable[str] = (), extra: dict | None = None) -> T:
    """Defaults <- recipe YAML <- ``extra`` (from CLI options) <- dotted overrides, checked strictly.

    Path fields come out absolute (``rnnlp.config.paths``): a recipe's relative paths are looked up
    beside the recipe first, the command line's in the current folder first, then the data root.
    """
    from rnnlp.config.paths import resolve_paths, tell

    written = _renamed(load_yaml(recipe)) if recipe else {}
    given = merge({}, _renamed(extra or {}))
    for text in overrides:
        key, value = parse_override(text)
        set_dotted(given, key, value)
    cfg = from_dict(cls, merge(written, given))
    tell(resolve_paths(cfg, recipe, written, given))
    return cfg
