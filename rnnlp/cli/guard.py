"""No command writes its output over one of its inputs or into a checkpoint.

``guard(command)`` wraps every command (and every subcommand of a group) that has an ``output``
parameter: before the command runs, ``check_output`` refuses an output path that is the same file
as one of the command's path arguments (``predict RUN --input f.csv -o f.csv``) or that lies
inside a checkpoint folder (``export RUN -o RUN/best/model.safetensors``). Click only.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

from rnnlp.errors import ConfigError

# parameters that name an input even where their click type is a plain string
INPUT_NAMES = ("checkpoint", "input_path", "resume", "recipe", "vectors", "corpus", "prompt_file", "items_file")


def guard(command: click.Command) -> None:
    """Wrap ``command``'s callback (a group's: each subcommand's) with ``check_output``."""
    if command.name == "train":  # its -o is a run folder, guarded by rnnlp/tasks/runs.py
        return
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            guard(sub)
        return
    names = [p.name for p in command.params]
    if "output" not in names or command.callback is None:
        return
    inputs = {p.name: _flag(p) for p in command.params if p.name != "output" and
              (isinstance(p.type, (click.Path, click.File)) or p.name in INPUT_NAMES)}
    callback = command.callback

    @functools.wraps(callback)
    def guarded(*args, **kwargs):
        check_output(kwargs.get("output"), {flag: kwargs.get(name) for name, flag in inputs.items()})
        return callback(*args, **kwargs)

    command.callback = guarded


def _flag(param: click.Parameter) -> str:
    """How the user wrote the parameter: its long option (``--data``), or an argument's name."""
    long = [o for o in param.opts if o.startswith("--")]
    return long[0] if long else "--" + param.name.replace("_path", "").replace("_", "-")


def check_output(output, inputs: dict) -> None:
    """A ConfigError when ``output`` is one of ``inputs`` ({flag: path or paths}) or inside a checkpoint."""
    if not output or output == "-":
        return
    target = Path(output).resolve()
    for flag, given in inputs.items():
        for path in given if isinstance(given, (list, tuple)) else [given]:
            if isinstance(path, (str, os.PathLike)) and str(path) != "-" and _same(target, Path(path)):
                raise ConfigError(f"--output {output} is the {flag} {path}: writing would replace it; choose "
                                  "another --output")
    for folder in target.parents:
        if (folder / "meta.json").is_file() and (folder / "model.safetensors").is_file():
            raise ConfigError(f"--output {output} lies inside the checkpoint {folder}: writing there would change "
                              "the checkpoint; choose a file outside it")


def _same(target: Path, path: Path) -> bool:
    try:
        return target == path.resolve() or (target.exists() and path.exists() and os.path.samefile(target, path))
    except OSError:
        return False
