"""The Python API that the CLI wraps: ``train``, ``load``, ``make_config``, ``expect_verb``.

    >>> import rnnlp
    >>> run = rnnlp.api.train("sentiment", overrides=["train.epochs=1"])
    >>> model = rnnlp.load(run)
    >>> model.predict("a gripping, funny film")          # one text: one result (a dict)
    >>> model.predict(["a gripping, funny film", "dull"])  # a list: a list

The tasks are those of ``rnnlp/tasks/table.py``; ``rnnlp/tasks/driver.py`` trains and loads
them all alike. Every verb of a loaded model (``predict``, ``tag``, ``translate``,
``generate``, ``caption``, ``recommend``) reads its first argument through
``rnnlp.tasks.one_or_many``: one item gives one result, a list a list, and None or a blank
text is an ``InputError`` (a ``ValueError``) naming its place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from rnnlp.errors import CheckpointError, choice_error
from rnnlp.tasks.table import ITEMS, TASKS, entry, tasks_with

__all__ = ["TASKS", "expect_task", "expect_verb", "load", "make_config", "train"]


def make_config(task: str, recipe: str | None = None, overrides: Iterable[str] = (), extra: dict | None = None):
    """The task's config: defaults <- recipe <- ``extra`` (nested dict) <- dotted overrides."""
    from rnnlp.config.base import build_config
    from rnnlp.tasks.driver import config_class

    entry(task)  # an unknown task is a ConfigError listing the known ones
    cfg = build_config(config_class(task), recipe, overrides, extra)
    if getattr(cfg, "task", task) != task:
        raise choice_error("task in recipe", cfg.task, [task])
    return cfg


def train(task: str, recipe: str | None = None, overrides: Iterable[str] = (), *,
          extra: dict | None = None, resume: str | None = None, overwrite: bool = False,
          dry_run: bool = False) -> Path | None:
    """Train ``task`` and return the run folder (``<run>/best`` is the best checkpoint).

    An output folder (``train.output``) that already holds a run is a ConfigError unless
    ``overwrite`` (the new run is built beside the old one and replaces it once it has a
    checkpoint). With ``resume``, the overrides and ``extra`` keys of ``driver.RESUMABLE`` apply
    and any other change from the run's saved config is a ConfigError. ``dry_run`` builds the
    data, tokenizer and model, prints the banner and the planned steps, writes nothing and
    returns None."""
    from rnnlp.config.base import parse_override
    from rnnlp.tasks import driver

    overrides = list(overrides)
    given = (*(parse_override(text)[0] for text in overrides), *_dotted_keys(extra or {}))
    cfg = make_config(task, recipe, overrides, extra)
    if dry_run:
        return driver.dry_run(task, cfg)
    return driver.train(task, cfg, resume=resume, overwrite=overwrite, given=given)


def _dotted_keys(tree: dict, prefix: str = "") -> list[str]:
    """The dotted keys of a nested dict's leaves: ``{"data": {"train": x}}`` -> ``["data.train"]``."""
    keys = []
    for key, value in tree.items():
        name = f"{prefix}{key}"
        keys += _dotted_keys(value, f"{name}.") if isinstance(value, dict) else [name]
    return keys


def load(path: str | Path, device: str = "cpu"):
    """Load a checkpoint (or run folder) as its task's model object (``predict``, ``evaluate``...)."""
    from rnnlp.tasks import driver

    return driver.load(path, device)


def expect_verb(model, verb: str, items: tuple = ITEMS) -> None:
    """Raise a CheckpointError unless the loaded model's task has ``verb`` and reads one of
    ``items`` (the task table says which tasks do)."""
    if model.task not in tasks_with(verb, items):
        raise CheckpointError(f"checkpoint {model.path} holds a {model.task} model; `rnnlp {verb}` needs a "
                              f"{' or '.join(tasks_with(verb, items))} checkpoint")


def expect_task(model, task: str) -> None:
    """Raise a CheckpointError when a loaded model is of another task than a command needs."""
    if model.task != task:
        raise CheckpointError(f"checkpoint {model.path} holds a {model.task} model; this command "
                              f"needs a {task} checkpoint")
