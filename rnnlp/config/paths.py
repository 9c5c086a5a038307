"""File paths in configs: which fields hold them, and where a relative one is looked up.

A config field made with ``path_field(role)`` holds a file or folder. ``build_config`` calls
``resolve_paths`` once, so the config a run uses (and saves in its checkpoints) holds absolute
paths and loads from any folder. A relative path is looked up, first found wins:

- written in a recipe: the recipe's own folder, then the data root, then the current folder;
- given on the command line (options, overrides, ``extra``): the current folder, then the data root.

The data root is ``data.root`` (``--data-root``), else ``$RNNLP_DATA``. A path found nowhere is
a ``DataError`` that names every place tried, except a dataset name that looks like a hub name
(``owner/name``, ``name:split``), which the readers pass to ``datasets.load_dataset``.

Roles: ``train`` (training data: giving one on the command line means "my own data"), ``data``
(other data files and folders), ``tokenizer`` (a built tokenizer file that belongs to the
recipe's dataset) and ``file`` (other inputs: pretrained vectors, encoder weights).
A recipe used with the user's own training data builds its tokenizer from that data unless a
tokenizer file is named on the command line. No torch here.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from rnnlp.errors import DataError

ROLES = ("train", "data", "tokenizer", "file")


def path_field(role: str = "data", hub: bool = False):
    """A dataclass field (default None) holding a file or folder path of ``role`` (see ``ROLES``);
    ``hub``: the field may instead name a hub dataset (read by ``rnnlp.data.readers.read_table``)."""
    assert role in ROLES, role
    return dataclasses.field(default=None, metadata={"path": role, "hub": hub})


def path_fields(cfg, prefix: str = ""):
    """``(dotted key, holder, field)`` for every path field of a config, depth first."""
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if dataclasses.is_dataclass(value):
            yield from path_fields(value, f"{prefix}{f.name}.")
        elif f.metadata.get("path"):
            yield f"{prefix}{f.name}", cfg, f


def dotted_keys(data: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (the leaves of nested mappings)."""
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(dotted_keys(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def looks_like_hub(name: str) -> bool:
    """``owner/name`` without a file extension, or ``name:split``: a Hugging Face hub dataset."""
    return ":" in name or ("/" in name and not name.startswith((".", "/", "~")) and not Path(name).suffix)


def data_root(root: str | os.PathLike | None = None) -> Path | None:
    """The data root: ``root`` if given, else ``$RNNLP_DATA``, else None (absolute)."""
    base = root or os.environ.get("RNNLP_DATA")
    return Path(os.path.abspath(os.path.expanduser(str(base)))) if base else None


def candidates(path: str | os.PathLike, root=None, recipe_dir=None) -> list[Path]:
    """The places a path is looked up, in order (see the module docstring); no duplicates."""
    p = Path(os.path.expanduser(str(path)))
    if p.is_absolute():
        return [p]
    base = data_root(root)
    order = [recipe_dir, base, Path.cwd()] if recipe_dir else [Path.cwd(), base]
    out: list[Path] = []
    for folder in order:
        if folder is not None:
            place = Path(os.path.abspath(Path(folder) / p))
            if place not in out:
                out.append(place)
    return out


def find(path: str | os.PathLike, root=None, recipe_dir=None) -> Path | None:
    """The first place of ``candidates`` that exists, or None."""
    return next((p for p in candidates(path, root, recipe_dir) if p.exists()), None)


def not_found(path, what: str, tried: list[Path], root) -> DataError:
    """The one-line error for a path found nowhere: which (``what``: a config key or a kind of
    file), every place tried, how to fix it."""
    base = data_root(root)
    if base is None:
        fix = "set --data-root or $RNNLP_DATA to the folder that holds it, or give its full path"
    elif not base.is_dir():
        fix = f"the data root {base} (--data-root / $RNNLP_DATA) is not a folder; fix it"
    else:
        fix = "check the path, --data-root or $RNNLP_DATA"
    return DataError(f"file not found: {path} ({what}); tried {', '.join(map(str, tried))}; {fix}")


def resolve_paths(cfg, recipe: str | os.PathLike | None, recipe_data: dict, cli_data: dict) -> list[str]:
    """Make every path field of ``cfg`` absolute, in place; returns the lines to tell the user.

    ``recipe_data`` and ``cli_data`` are the mappings the config was built from (the recipe's,
    and the command line's: ``extra`` plus overrides), which tell where each value was written.
    """
    origins = _Origins(cfg, recipe, recipe_data, cli_data)
    fields = list(path_fields(cfg))
    own_data = False
    for key, holder, f in (x for x in fields if x[2].metadata["path"] != "tokenizer"):
        if getattr(holder, f.name) is not None:
            setattr(holder, f.name, origins.resolve(key, getattr(holder, f.name), f.metadata["hub"]))
            own_data |= f.metadata["path"] == "train" and origins.users(key, getattr(holder, f.name))
    notes: list[str] = []
    for key, holder, f in (x for x in fields if x[2].metadata["path"] == "tokenizer"):
        value = getattr(holder, f.name)
        if own_data and not (value is not None and key in origins.from_cli):
            notes.append(_built_from_data(key, value))
            setattr(holder, f.name, value := None)
        if value is not None:
            setattr(holder, f.name, origins.resolve(key, value))
            notes.append(f"tokenizer ({key}): loaded from {getattr(holder, f.name)}")
    return notes


class _Origins:
    """Where each value of a config was written (recipe or command line), and so where to look."""

    def __init__(self, cfg, recipe, recipe_data: dict, cli_data: dict):
        self.recipe_dir = Path(os.path.abspath(recipe)).parent if recipe else None
        self.from_recipe, self.from_cli = dotted_keys(recipe_data), dotted_keys(cli_data)
        self.root = _resolve_root(cfg, self.recipe_dir, "data.root" in self.from_cli)

    def folder(self, key: str) -> Path | None:
        """The recipe's folder for a value the recipe wrote (and the command line left alone)."""
        return None if key in self.from_cli else self.recipe_dir

    def resolve(self, key: str, value: str, hub: bool = False) -> str:
        found = find(value, self.root, self.folder(key))
        if found is not None:
            return str(found)
        if hub and looks_like_hub(str(value)):
            return value  # a hub dataset name: the readers load it (online) or say why not
        raise not_found(value, key, candidates(value, self.root, self.folder(key)), self.root)

    def users(self, key: str, resolved: str) -> bool:
        """Did the command line, over a recipe, name a file other than the recipe's own?"""
        if self.recipe_dir is None or key not in self.from_cli:
            return False
        written = self.from_recipe.get(key)
        return written is None or resolved != str(find(written, self.root, self.recipe_dir) or written)


def _resolve_root(cfg, recipe_dir: Path | None, root_from_cli: bool) -> Path | None:
    """``data.root`` made absolute (a recipe's relative root is under the recipe's folder)."""
    data = getattr(cfg, "data", None)
    if data is None or not hasattr(data, "root"):
        return data_root()
    root = data.root
    if root and recipe_dir is not None and not root_from_cli:
        root = str(recipe_dir / os.path.expanduser(root))
    base = data_root(root)
    data.root = str(base) if base else None
    return base


def _built_from_data(key: str, value: str | None) -> str:
    if value is None:
        return f"tokenizer ({key}): built from your training data"
    return (f"tokenizer ({key}): built from your training data; the recipe's {value} belongs to its own "
            f"dataset (pass {key}=FILE to use a tokenizer file)")


def tell(notes: list[str]) -> None:
    """Print ``notes`` on stderr (once under torchrun: rank 0 only)."""
    if os.environ.get("RANK", "0") == "0":
        for line in notes:
            print(line, file=sys.stderr)
